/**
 * The console's control panel: fixed actions on named hosts that the page may ask for (the
 * demo gives the lab's fault controls). The page never sends a command line, only an action
 * name and a host name, and both are checked against what the panel offers.
 */

/** One thing the panel can do to a host, as a button. */
export interface ControlAction {
  /** The action's name, sent back by the page (`break`, `heal`). */
  name: string;
  /** The button's label (`Stop HTTP`). */
  label: string;
  /** Shown as a red button when true. */
  danger?: boolean;
}

/** A host the panel shows, with its state in a few words and what may be done to it now. */
export interface ControlHost {
  name: string;
  /** `director` or `real-server` (shown, not interpreted). */
  role: string;
  /** What it is doing, in a few words (`up, holds the VIP`, `http off (fault: http-stopped)`). */
  state: string;
  /** Drawn as failing when true. */
  faulty: boolean;
  actions: ControlAction[];
}

export interface ControlStatus {
  /** One line about the whole system (`VIP 10.210.0.100:80 answered by web-1 through lb1`). */
  summary: string;
  hosts: ControlHost[];
}

export interface ControlPanel {
  /** The panel's heading (`Lab`). */
  title: string;
  status(): Promise<ControlStatus>;
  /** Does `action` to `host` (both already checked against `status()`); resolves to what was done. */
  act(action: string, host: string): Promise<string>;
}
