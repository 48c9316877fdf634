#!/bin/sh
# Builds a PATH directory that holds only what a fresh Debian/Ubuntu machine would have after
# scripts/install-deps.sh --docker, so that a program installed by hand cannot make CI green.
#   sh scripts/fresh-path.sh DIR    (re)creates DIR and prints its absolute path
# DIR gets a symlink for every executable, in a bin or sbin directory, of the allowed packages:
#   - the installed packages that are Essential or of Priority required (the base system);
#   - the packages `install-deps.sh --list --docker` prints (where docker.io is not installed,
#     Docker CE's docker-ce, docker-ce-cli and containerd.io stand in for it, as on GitHub's
#     runners, where install-deps keeps the preinstalled Docker CE);
#   - what those depend on: the closure of Depends and Pre-Depends over installed packages.
# Names managed by update-alternatives (awk, iptables, ...) are kept when they resolve to a file
# of an allowed package. node, npm, npx (and corepack) are not Debian packages everywhere: they
# are linked from the directory of the `node` the caller's PATH finds, and nothing else from it.
# Only PATH lookups are restricted: a program run by absolute path is not.
set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: sh scripts/fresh-path.sh DIR" >&2
  exit 2
fi
dir=$1
# node comes from the caller's PATH; everything this script runs itself comes from the system
# (the caller's PATH may be an earlier DIR, which this script is about to replace).
node=$(command -v node) || { echo "fresh-path: node is not in PATH" >&2; exit 3; }
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
here=$(cd "$(dirname "$0")" && pwd)

if [ -e "$dir" ] || [ -L "$dir" ]; then
  # Only ever remove a directory this script made: one holding nothing but symlinks.
  if [ ! -d "$dir" ] || [ -L "$dir" ] || [ -n "$(find "$dir" -mindepth 1 ! -type l -print -quit)" ]; then
    echo "fresh-path: $dir exists and is not a directory of symlinks; not replacing it" >&2
    exit 2
  fi
fi

case "$node" in /*) ;; *) node=$(pwd)/$node ;; esac
nodedir=$(dirname "$node")
if [ -d "$dir" ] && [ "$(cd "$nodedir" && pwd -P)" = "$(cd "$dir" && pwd -P)" ]; then
  # Run under a PATH this script made: take node from where that link points.
  node=$(readlink "$node")
  nodedir=$(dirname "$node")
fi

wanted=$(sh "$here/install-deps.sh" --list --docker --browser | tr '\n' ' ')

# Directories that merged /usr turned into symlinks (/bin -> usr/bin ...): dpkg may list a file
# under either name, so paths are compared in their /usr form.
merged=""
for d in bin sbin lib lib32 lib64 libx32; do
  if [ -L "/$d" ] && [ "$(readlink -f "/$d")" = "/usr/$d" ]; then merged="$merged $d"; fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. The allowed packages, as dpkg-query names them (libfoo:amd64 where Multi-Arch: same).
dpkg-query -W -f='${binary:Package}\t${Package}\t${Status}\t${Essential}\t${Priority}\t${Provides}\t${Depends}\t${Pre-Depends}\n' |
awk -F'\t' -v wanted="$wanted" '
  # "foo:any (>= 1.2)" -> "foo"
  function bare(s) {
    sub(/\(.*/, "", s); sub(/\[.*/, "", s); sub(/<.*/, "", s)
    gsub(/[ \t]/, "", s); sub(/:.*/, "", s)
    return s
  }
  function allow(p) { if (!(p in allowed)) { allowed[p] = 1; queue[++tail] = p } }
  # Allows what satisfies the name p: the installed package p, else every installed provider of p.
  function satisfy(p,    n, i, v) {
    if (p in installed) { allow(p); return 1 }
    if (p in providers) {
      n = split(providers[p], v, " ")
      for (i = 1; i <= n; i++) allow(v[i])
      return 1
    }
    return 0
  }
  $3 ~ / installed$/ {
    installed[$2] = 1
    binary[$2] = binary[$2] " " $1
    depends[$2] = depends[$2] "," $7 "," $8
    n = split($6, v, ",")
    for (i = 1; i <= n; i++) { p = bare(v[i]); if (p != "") providers[p] = providers[p] " " $2 }
    if ($4 == "yes" || $5 == "required") allow($2)
  }
  END {
    n = split(wanted, w, " ")
    for (i = 1; i <= n; i++) {
      if (satisfy(w[i])) continue
      if (w[i] == "docker.io" && (satisfy("docker-ce") + satisfy("docker-ce-cli") + satisfy("containerd.io")) > 0) continue
      print "fresh-path: " w[i] " is not installed; its programs are not in the PATH" | "cat >&2"
    }
    for (head = 1; head <= tail; head++) {
      groups = split(depends[queue[head]], g, ",")
      for (i = 1; i <= groups; i++) {
        # "a | b": the first alternative that is installed (or provided) is the one in use.
        alts = split(g[i], a, "|")
        for (j = 1; j <= alts; j++) { p = bare(a[j]); if (p != "" && satisfy(p)) break }
      }
    }
    for (p in allowed) { n = split(binary[p], b, " "); for (i = 1; i <= n; i++) print b[i] }
  }' >"$tmp/packages"

# 2. Their files ("diverted by" and other notes do not start with a slash).
xargs -r dpkg-query -L <"$tmp/packages" 2>/dev/null | grep '^/' >"$tmp/files" || true

# 3. The symlinks in the system bin directories, with what they finally resolve to.
sysbins="/usr/sbin /usr/bin"
case "$merged " in *" sbin "*) ;; *) sysbins="$sysbins /sbin" ;; esac
case "$merged " in *" bin "*) ;; *) sysbins="$sysbins /bin" ;; esac
# shellcheck disable=SC2086
find $sysbins -maxdepth 1 -type l >"$tmp/symlinks" 2>/dev/null || true
xargs -r -d '\n' realpath -m -- <"$tmp/symlinks" | paste "$tmp/symlinks" - >"$tmp/resolved"

# 4. One candidate per program name, in the order of root's usual PATH; then the executable ones.
awk -F'\t' -v merged="$merged" '
  function usr(path,    n, i, m) {
    n = split(merged, m, " ")
    for (i = 1; i <= n; i++) if (index(path, "/" m[i] "/") == 1) return "/usr" path
    return path
  }
  function rank(path) {
    if (path ~ /^\/usr\/local\/sbin\//) return 1
    if (path ~ /^\/usr\/local\/bin\//) return 2
    if (path ~ /^\/usr\/sbin\//) return 3
    if (path ~ /^\/usr\/bin\//) return 4
    if (path ~ /^\/sbin\//) return 5
    return 6
  }
  function offer(name, path) {
    if (!(name in best) || rank(path) < rank(best[name])) best[name] = path
  }
  FILENAME == ARGV[1] {
    path = usr($0)
    file[path] = 1
    if (path ~ /^(\/usr)?(\/local)?\/s?bin\/[^\/]+$/) { n = split(path, p, "/"); owned[path] = 1; offer(p[n], path) }
    next
  }
  # An unowned symlink (update-alternatives, maintainer scripts) to a file of an allowed package.
  !(usr($1) in owned) && (usr($2) in file) { n = split($1, p, "/"); offer(p[n], usr($1)) }
  END { for (name in best) print best[name] }
' "$tmp/files" "$tmp/resolved" |
xargs -r -d '\n' sh -c 'for f; do if [ -x "$f" ] && [ ! -d "$f" ]; then echo "$f"; fi; done' sh >"$tmp/programs"

rm -rf "$dir"
mkdir -p "$dir"
xargs -r -d '\n' ln -s -t "$dir" -- <"$tmp/programs"
for p in node npm npx corepack; do
  if [ -e "$nodedir/$p" ]; then ln -sfn "$nodedir/$p" "$dir/$p"; fi
done
cd "$dir" && pwd
