/** The busy overlay (with Cancel) and the error banner, shared by every view. */
import { button, h } from './dom';
import type { Host } from './host';
import { severityIcon } from './icons';

export interface Overlays {
  /** focusCancel: the user started the work from this view, so Cancel takes the keyboard focus */
  showBusy(message: string, focusCancel?: boolean): void;
  hideBusy(): void;
  showError(message: string): void;
  hideError(): void;
}

export function createOverlays(host: Host): Overlays {
  const message = h('p', { id: 'busy-message', class: 'busy-message' });
  const cancel = host.connected
    ? button('Cancel', { id: 'busy-cancel', className: 'btn btn-secondary', title: 'Cancel the computation (Escape)' }, () =>
        host.post({ type: 'cancel' }),
      )
    : null;
  const busy = h(
    'div',
    { id: 'busy', class: 'overlay', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'busy-message' },
    h('div', { class: 'overlay-panel' }, h('div', { class: 'spinner', 'aria-hidden': 'true' }), message, cancel),
  );
  busy.hidden = true;
  busy.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && cancel) {
      e.preventDefault();
      host.post({ type: 'cancel' });
    }
  });

  const errorText = h('span', { id: 'error-message' });
  const banner = h(
    'div',
    { id: 'error-banner', class: 'banner banner-error', role: 'alert' },
    h('span', { class: 'sev sev-error' }, severityIcon('error')),
    errorText,
    button('Dismiss', { id: 'error-dismiss', className: 'btn btn-link' }, () => {
      banner.hidden = true;
    }),
  );
  banner.hidden = true;
  document.body.prepend(banner);
  document.body.append(busy);

  let focusBefore: Element | null = null;
  return {
    showBusy(text, focusCancel = false) {
      message.textContent = text || 'Working…';
      busy.hidden = false;
      document.getElementById('app')?.setAttribute('aria-busy', 'true');
      // work the view started by itself (a restored panel recomputing, a settings change) must
      // not pull the keyboard focus away from wherever the user is typing
      if (!focusCancel || busy.contains(document.activeElement)) return;
      focusBefore = document.activeElement;
      (cancel ?? busy).focus();
    },
    hideBusy() {
      if (busy.hidden) return;
      busy.hidden = true;
      document.getElementById('app')?.setAttribute('aria-busy', 'false');
      // give the focus back only if it is still on the overlay (the user may have moved on)
      if (busy.contains(document.activeElement) && focusBefore instanceof HTMLElement && focusBefore.isConnected) focusBefore.focus();
      focusBefore = null;
    },
    showError(text) {
      errorText.textContent = text;
      banner.hidden = false;
    },
    hideError() {
      banner.hidden = true;
    },
  };
}
