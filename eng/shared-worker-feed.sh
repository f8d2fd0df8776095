# Source this file (". eng/shared-worker-feed.sh") before building on a machine whose NuGet feed lacks the Azure
# Functions isolated-worker packages. When ../shared/functions-worker/feed exists (packages built from the public
# source, see its README), restores also read that folder, into a package cache of their own, because those packages
# carry the official ids and versions with other content. It sets nothing when the folder is absent: then the
# packages come from the normal feed, as they do for users (nuget.org).
#
# The allowances a build needs here, and only here (the project files keep the versions users get):
#   - Microsoft.ApplicationInsights.WorkerService 2.21.0 instead of 2.23.0, which this feed does not serve
#     (3.x crashes the worker at start-up);
#   - NU1603 (a dependency resolved to a higher version than asked) stays a warning, not an error.
_nvafo_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_nvafo_feed=$(cd "$_nvafo_repo/.." && pwd)/shared/functions-worker/feed
if [ -d "$_nvafo_feed" ]; then
  # NuGet never refreshes a package of the same id and version, so the cache is keyed by what the feed holds.
  _nvafo_key=$(ls -l --time-style=+%s "$_nvafo_feed" | sha256sum | cut -c1-12)
  export NUGET_PACKAGES="$_nvafo_repo/.nuget/packages-worker-feed-$_nvafo_key"
  export RestoreAdditionalProjectSources="$_nvafo_feed"
  export NvaFailoverWorkerServiceVersion=2.21.0
  export WarningsNotAsErrors=NU1603
  echo "Using the isolated-worker packages in $_nvafo_feed (package cache $NUGET_PACKAGES)."
fi
unset _nvafo_repo _nvafo_feed _nvafo_key
