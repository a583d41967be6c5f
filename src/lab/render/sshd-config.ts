/**
 * sshd_config for a lab host (director or real server): key login as root with the lab's
 * key only, the host key generated for this lab, nothing written to the host's shared files
 * (UsePAM no: no session bookkeeping; it accepts root because root's password entry is '*').
 */
export function renderSshdConfig(options: {
  hostKey: string;
  authorizedKeys: string;
  pidFile: string;
}): string {
  return [
    'Port 22',
    'ListenAddress 0.0.0.0',
    `HostKey ${options.hostKey}`,
    `PidFile ${options.pidFile}`,
    `AuthorizedKeysFile ${options.authorizedKeys}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes yes',
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    'X11Forwarding no',
    'MaxStartups 50:30:100',
    'MaxSessions 50',
    'LogLevel INFO',
    'AcceptEnv LANG LC_*',
    'Subsystem sftp /usr/lib/openssh/sftp-server',
    '',
  ].join('\n');
}
