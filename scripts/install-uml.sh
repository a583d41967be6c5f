#!/usr/bin/env bash
# Makes sure the lab's directors can boot on this CPU, as root.
#
# Debian 12's user-mode-linux (6.1) keeps the FP registers of its processes in a buffer of a
# fixed size. On a host whose CPU has a larger XSAVE area (AVX-512, AMX: recent Xeons) the host
# kernel refuses to load them back (PTRACE_SETREGSET: EFAULT) and the director's init dies at
# its first process ("userspace - ptrace set fp regs failed, errno = 14", then "Attempted to
# kill init"). Newer kernels size that buffer from the CPU.
#
# So: boot the packaged kernel once with a one-line init. If it runs, nothing to do. If not,
# fetch a newer user-mode-linux from Debian (unstable, then testing), with trixie's libc6 for
# its loader (it needs glibc >= 2.38, Debian 12 has 2.36), unpack both under
# /usr/local/lib/lvs-chatops/uml (the system's packages are left alone), point the binary at
# that loader (patchelf), check that it boots, and the lab uses it (src/lab/uml-kernel.ts).
set -euo pipefail

DEST=/usr/local/lib/lvs-chatops/uml
WORK=$(mktemp -d /tmp/lvs-chatops-uml.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# Prints "booted" when KERNEL runs a process as init and powers off.
boots() {
  local kernel=$1
  cat >"$WORK/init" <<'INIT'
#!/bin/sh
/bin/echo lvs-chatops-uml-booted
exec /sbin/poweroff -f
INIT
  chmod +x "$WORK/init"
  timeout 60 "$kernel" mem=64M root=/dev/root rootfstype=hostfs rootflags=/ ro \
    "init=$WORK/init" con=null con0=fd:0,fd:1 uml_dir="$WORK" umid=probe </dev/null 2>&1 |
    grep -q lvs-chatops-uml-booted
}

if [ -x "$DEST/linux.uml" ] && boots "$DEST/linux.uml"; then
  exit 0
fi
if boots /usr/bin/linux.uml; then
  rm -rf "$DEST"
  exit 0
fi
echo "install-uml: Debian 12's user-mode-linux cannot run on this CPU (its XSAVE area is too large for it); installing a newer one under $DEST"

apt_dir="$WORK/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
cat >"$apt_dir/sources.list" <<'SOURCES'
deb http://deb.debian.org/debian unstable main
deb http://deb.debian.org/debian testing main
deb http://deb.debian.org/debian trixie main
SOURCES
apt_opts=(
  -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
  -o APT::Sandbox::User=root -qq
)
apt-get "${apt_opts[@]}" update
command -v patchelf >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq patchelf >/dev/null

for suite in unstable testing; do
  rm -rf "$WORK/x" "$WORK"/*.deb
  (cd "$WORK" && apt-get "${apt_opts[@]}" download "user-mode-linux/$suite" "libc6/trixie") || continue
  mkdir -p "$WORK/x"
  for deb in "$WORK"/*.deb; do dpkg-deb -x "$deb" "$WORK/x"; done
  stage="$DEST.new"
  rm -rf "$stage"
  mkdir -p "$stage/lib"
  cp "$WORK/x/usr/bin/linux.uml" "$stage/linux.uml"
  cp -a "$WORK/x/usr/lib/uml/modules" "$stage/modules"
  cp -L "$WORK/x/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$WORK/x/usr/lib/x86_64-linux-gnu/libc.so.6" "$stage/lib/"
  # The kernel must run from its fixed address: a loader of its own, named in the binary (run
  # through ld.so it would be loaded elsewhere and refuse to start).
  patchelf --set-interpreter "$DEST/lib/ld-linux-x86-64.so.2" --set-rpath "$DEST/lib" "$stage/linux.uml"
  rm -rf "$DEST"
  mv "$stage" "$DEST"
  if boots "$DEST/linux.uml"; then
    echo "install-uml: user-mode-linux $(ls "$DEST/modules") from Debian $suite boots here; the lab uses $DEST/linux.uml"
    exit 0
  fi
  echo "install-uml: user-mode-linux from Debian $suite does not boot here either" >&2
  rm -rf "$DEST"
done
echo "install-uml: no user-mode-linux that boots on this CPU; the lab cannot run here" >&2
exit 1
