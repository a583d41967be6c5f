export * from './envelope.js';
export * from './heartbeat-event.js';
export * from './keepalived-notify.js';
export * from './mon-alert.js';
