/** The busy overlay (with Cancel) and the error banner, shared by every view. */
import { button, h } from './dom';
import type { Host } from './host';

export interface Overlays {
  showBusy(message: string): void;
  hideBusy(): void;
  showError(message: string): void;
  hideError(): void;
}

export function createOverlays(host: Host): Overlays {
  const message = h('p', { id: 'busy-message', class: 'busy-message' });
  const cancel = host.connected
    ? button('Cancel', { id: 'busy-cancel', className: 'btn btn-secondary', title: 'Cancel the computation (Escape)' }, () => host.post({ type: 'cancel' }))
    : null;
  const busy = h('div', { id: 'busy', class: 'overlay', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'busy-message' },
    h('div', { class: 'overlay-panel' }, h('div', { class: 'spinner', 'aria-hidden': 'true' }), message, cancel));
  busy.hidden = true;
  busy.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && cancel) { e.preventDefault(); host.post({ type: 'cancel' }); }
  });

  const errorText = h('span', { id: 'error-message' });
  const banner = h('div', { id: 'error-banner', class: 'banner banner-error', role: 'alert' },
    h('span', { class: 'sev-icon', 'aria-hidden': 'true' }, '⛔'), errorText,
    button('Dismiss', { id: 'error-dismiss', className: 'btn btn-link' }, () => { banner.hidden = true; }));
  banner.hidden = true;
  document.body.prepend(banner);
  document.body.append(busy);

  let focusBefore: Element | null = null;
  return {
    showBusy(text) {
      message.textContent = text || 'Working…';
      if (busy.hidden) focusBefore = document.activeElement;
      busy.hidden = false;
      document.getElementById('app')?.setAttribute('aria-busy', 'true');
      (cancel ?? busy).focus();
    },
    hideBusy() {
      if (busy.hidden) return;
      busy.hidden = true;
      document.getElementById('app')?.setAttribute('aria-busy', 'false');
      if (focusBefore instanceof HTMLElement && focusBefore.isConnected) focusBefore.focus();
    },
    showError(text) { errorText.textContent = text; banner.hidden = false; },
    hideError() { banner.hidden = true; },
  };
}
