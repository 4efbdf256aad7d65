#!/usr/bin/env bash
# Manifest build against plain reads and against an rsync no-change run, same tree, same run.
#
#   java -cp benchmarks/target/benchmarks.jar dev.delta.benchmarks.tree.GenerateTree /tmp/tree80k 80000 1024 1
#   benchmarks/scripts/measure-build.sh /tmp/tree80k [RUNS]
#
# Prints, per run: reading every file (cat, one and two processes), `delta manifest build`
# without a cache, `delta manifest build --cache` of the unchanged tree (whole process, JVM start
# included), and `rsync -a --delete` of the unchanged tree through an rsync daemon on 127.0.0.1.
set -euo pipefail
tree=$(cd "$1" && pwd)
runs=${2:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
delta="$root/delta"
work=$(mktemp -d)
trap 'kill "$(cat "$work/rsyncd.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT

secs() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }

"$delta" --version > /dev/null                         # build the jar first if needed
find "$tree" -type f -print0 | xargs -0 cat > /dev/null   # warm the page cache
"$delta" manifest build "$tree" -o "$work/warm.dm" --cache "$work/cache" -q

have_rsync=false
if command -v rsync > /dev/null; then
  have_rsync=true
  printf 'pid file = %s/rsyncd.pid\nuse chroot = false\n[tree]\npath = %s\nread only = true\n' "$work" "$tree" \
    > "$work/rsyncd.conf"
  rsync --daemon --config="$work/rsyncd.conf" --port=18730 --address=127.0.0.1
  sleep 1
  rsync -a --delete rsync://127.0.0.1:18730/tree/ "$work/dest/"
else
  echo "rsync not found (apt-get install rsync): skipping the rsync column" >&2
fi

echo "run  read-1proc  read-2proc  build  build/read-2proc  cached-build  rsync-no-change  cached/rsync"
for i in $(seq "$runs"); do
  r1=$(secs sh -c "find '$tree' -type f -print0 | xargs -0 cat")
  r2=$(secs sh -c "find '$tree' -type f -print0 | xargs -0 -P2 -n500 cat")
  b=$(secs "$delta" manifest build "$tree" -o "$work/b.dm" -q)
  c=$(secs "$delta" manifest build "$tree" -o "$work/c.dm" --cache "$work/cache" -q)
  if $have_rsync; then
    r=$(secs rsync -a --delete rsync://127.0.0.1:18730/tree/ "$work/dest/")
    ratio=$(echo "scale=2; $c / $r" | bc)
  else
    r=-; ratio=-
  fi
  printf '%3d  %9.2f  %9.2f  %5.2f  %16.2f  %12.2f  %15s  %12s\n' "$i" "$r1" "$r2" "$b" "$(echo "scale=2; $b / $r2" | bc)" \
    "$c" "$r" "$ratio"
done
