/** The line under each page's title: live or not, the broker, read-only or control. */
import type { LiveState } from './live.js';

export function StatusBar({ live }: { live: LiveState }) {
  const info = live.info;
  const broker = live.broker;
  return (
    <div class="status-bar" data-testid="status-bar">
      <span class={`dot ${live.connected ? 'good' : 'bad'}`} />
      <span data-testid="stream-state">{live.connected ? 'live' : 'reconnecting…'}</span>
      {broker && !broker.connected && (
        <span class="badge bad" data-testid="broker-down">
          broker unreachable{broker.error ? `: ${broker.error}` : ''}
        </span>
      )}
      {info?.broker && <span class="muted">{info.broker}</span>}
      {info && (
        <span class={`badge ${info.control ? 'warn' : 'muted'}`} data-testid="control-mode">
          {info.control ? (info.signed ? 'control: signed' : 'control: unsigned') : 'read-only'}
        </span>
      )}
    </div>
  );
}
