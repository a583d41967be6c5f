import { arpCapableCheck, ipvsAvailableCheck } from '../checks.js';
import type { StepContext } from '../step-context.js';
import type { BuildStep } from '../step-model.js';

/** The guided build's step: a kernel with IPVS (and, for DR and tunneling, a way to hide the VIP from ARP) on every node. */
export function kernelStep(ctx: StepContext): BuildStep {
  const { cluster } = ctx;
  const schedulers = [...new Set(cluster.virtualServices.map((v) => `ip_vs_${v.scheduler}`))];
  return {
    id: 'kernel',
    section: '1',
    title: 'A kernel with IPVS on every node',
    what: 'The directors need IPVS in the kernel and ipvsadm; the real servers need a way not to answer ARP for the VIP. The HOWTO patched and built a 2.4.18 kernel (IPVS 1.0.2 and the hidden patch); a distribution kernel today ships IPVS as modules and has arp_ignore/arp_announce, so nothing is built.',
    why: 'Without IPVS there is no virtual service to balance; without hidden ARP, a real server would answer ARP for the VIP and steal the traffic from the director.',
    commands: [
      {
        title: 'Directors: IPVS modules and ipvsadm',
        hosts: cluster.directors.map((d) => d.name),
        modern: [
          'apt-get install ipvsadm',
          `modprobe -a ip_vs ${schedulers.join(' ')}`,
          'lsmod | grep ip_vs',
          'ipvsadm -L -n',
        ],
        classic: [
          'cd /usr/src && tar xzf linux-2.4.18.tar.gz && mv linux linux-2.4.18 && ln -s linux-2.4.18 linux',
          'cd /usr/include && rm -rf asm linux scsi && ln -s /usr/src/linux/include/asm-i386 asm && ln -s /usr/src/linux/include/linux linux && ln -s /usr/src/linux/include/scsi scsi',
          'cd /usr/src/linux && zcat ../linux-2.4.18-ipvs-1.0.2.patch.gz | patch -p1   # any "failed" hunk: wrong patch version',
          'cat ../hidden-2.4.5-1.diff | patch -p1',
          'make menuconfig && make dep clean bzImage modules modules_install',
          'cd /usr/local/src/ipvsadm && make && make install   # a config.h error means: rebuild the kernel',
          'cp System.map /boot/System.map-2.4.18-lvs; cp arch/i386/boot/bzImage /boot/vmlinuz-2.4.18-lvs',
          'vi /etc/lilo.conf && lilo && reboot',
        ],
        note: 'lilo is gone: a distribution kernel is installed by the package manager and the boot loader in use (GRUB: update-grub) is updated by it. Build a kernel only where IPVS is missing.',
      },
      {
        title: 'Real servers: ARP control',
        hosts: cluster.realServers.map((r) => r.name),
        modern: ['ls /proc/sys/net/ipv4/conf/all/arp_ignore /proc/sys/net/ipv4/conf/all/arp_announce'],
        classic: [
          'ls /proc/sys/net/ipv4/conf/all/hidden /proc/sys/net/ipv4/conf/eth0/hidden /proc/sys/net/ipv4/conf/lo/hidden',
        ],
        note: 'The hidden files exist only on a 2.4 kernel with the patch; arp_ignore on every kernel since 2.6.',
      },
    ],
    files: [],
    checks: [ipvsAvailableCheck(cluster), arpCapableCheck(cluster)],
  };
}
