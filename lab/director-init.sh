#!/bin/sh
# PID 1 of a lab director (a user-mode Linux kernel with real IPVS).
#
# The root file system is the host's / over read-only hostfs. What the director writes goes
# to private tmpfs mounts or to its own directory of the lab state, hostfs-mounted read-write
# (fstab written by `lvs-chatops lab up`). LAB_STATE and LAB_NODE come from the kernel
# command line. Every exec costs tens of milliseconds under UML, so this script batches:
# one modprobe, one mount -a, one ip -batch, and /proc writes instead of sysctl(8).
PATH=/usr/sbin:/usr/bin:/sbin:/bin
HOME=/root
LC_ALL=C
export PATH HOME LC_ALL
umask 022

mount -n -t proc proc /proc
say() {
	read -r up _ </proc/uptime
	echo "[director-init $up] $*"
}

node_dir=$LAB_STATE/$LAB_NODE
# Read before the fstab hides the host's view of the state directory behind a tmpfs /run.
. "$node_dir/director.env"

# Modules come from the UML package's tree, not /lib/modules (the host's, read-only here):
# the wrapper passes -d, and the kernel uses it for on-demand loads too (ipvsadm's schedulers).
echo "$LAB_STATE/bin/modprobe" >/proc/sys/kernel/modprobe
"$LAB_STATE/bin/modprobe" -a ip_vs ip_vs_wlc ip_vs_rr ip_vs_wrr loop || say "modprobe FAILED"
mount -n -a -T "$node_dir/fstab" || say "some mounts FAILED"

echo "$LAB_NODE" >/proc/sys/kernel/hostname

# /var/lib/heartbeat is a private tmpfs, as the package leaves it (its directories and owners):
# heartbeat's FIFO there must be this kernel's, not a host file seen through hostfs.
cd /var/lib/heartbeat || say "no /var/lib/heartbeat"
mkdir -m 0755 api casual ckpt lrm cores
mkdir -m 0750 ccm crm pengine
mkdir -m 0700 cores/root cores/hacluster cores/nobody
chown hacluster:haclient ccm crm pengine
chown hacluster cores/hacluster
chown nobody cores/nobody
cd /
ip -batch - <<EOF || say "network setup FAILED"
link set lo up
link set vec0 up
link set vec1 up
addr add $FRONT_ADDRESS dev vec0
addr add $BACK_ADDRESS dev vec1
EOF
# The HOWTO's director: forwarding on, no redirects to real servers on the same segment.
echo 1 >/proc/sys/net/ipv4/ip_forward
for f in all default vec0 vec1; do
	echo 0 >"/proc/sys/net/ipv4/conf/$f/send_redirects"
done
say "network configured ($FRONT_ADDRESS, $BACK_ADDRESS)"

/usr/sbin/sshd -f "$node_dir/sshd_config" -E "$LAB_STATE/logs/$LAB_NODE-sshd.log" || say "sshd FAILED"
say "sshd started"

if [ "$HEARTBEAT" = yes ]; then
	"$LAB_STATE/bin/director-ctl" heartbeat-start || say "heartbeat FAILED"
	say "heartbeat started"
fi
read -r up _ </proc/uptime
echo "$up" >"$node_dir/booted"
say "ready"

# Stay PID 1. The shell reaps every child (orphans included) while it waits for sleep, so
# nothing lingers as a zombie; the director is halted from the host (uml_mconsole).
trap '' TERM HUP INT
while :; do
	sleep 3600
done
