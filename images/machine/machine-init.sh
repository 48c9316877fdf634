#!/bin/sh
# Starts a simulated machine: sshd (root, key only) and dockerd, which runs as the main process.
set -eu

# cgroup v2: leave the root cgroup so that dockerd may delegate controllers (as moby's dind does).
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mkdir -p /sys/fs/cgroup/init
  xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
  sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || :
fi

mkdir -p /run/sshd /root/.ssh
chmod 700 /root/.ssh
if [ -n "${TESTBED_AUTHORIZED_KEY:-}" ]; then
  printf '%s\n' "$TESTBED_AUTHORIZED_KEY" >/root/.ssh/authorized_keys
  chmod 600 /root/.ssh/authorized_keys
fi
ssh-keygen -A >/dev/null
/usr/sbin/sshd -o PasswordAuthentication=no -o PermitRootLogin=prohibit-password

exec dockerd -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2375 --tls=false
