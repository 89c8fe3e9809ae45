/**
 * Keyboard-wedge scanners type into whatever has focus. Every key of the page goes through the wedge detector
 * (electron/hardware/wedge.ts, DOM-free): a fast burst ending in Enter/Tab is a scan and never reaches the focused
 * field; a person's keys are held for a few tens of milliseconds and then typed where they were meant to go.
 */
import { createWedgeDetector, type WedgeOutput } from '../../electron/hardware/wedge';

export function listenForWedgeScans(target: Window, onScan: (data: string, symbology: string | null) => void): () => void {
  const wedge = createWedgeDetector();
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Where held keys were typed: they go back there if they turn out to be a person's. */
  let heldFor: Element | null = null;

  const release = (outputs: WedgeOutput[]) => {
    for (const o of outputs) {
      if (o.kind === 'scan') onScan(o.data, o.symbology);
      else if (o.kind === 'typing') typeInto(heldFor, o.text);
      else pressKey(heldFor, o.key);
    }
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    const character = e.key.length === 1;
    const terminator = e.key === 'Enter' || e.key === 'Tab';
    if (!character && !terminator && wedge.pending === '') return; // arrows, Backspace…: untouched when nothing is held
    if (!character && !terminator) {
      // A non-character key ends a held burst: release it first, then let this key act.
      if (timer) clearTimeout(timer);
      release(wedge.flush(Number.POSITIVE_INFINITY));
      return;
    }
    if (terminator && wedge.pending === '') return; // a person's Enter/Tab: submit the form, move focus
    if (wedge.pending === '') heldFor = document.activeElement;
    e.preventDefault();
    e.stopPropagation();
    release(wedge.push({ key: e.key, timeMs: e.timeStamp }));
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => release(wedge.flush(Number.POSITIVE_INFINITY)), 60);
  };
  target.addEventListener('keydown', onKeyDown, true);
  return () => {
    if (timer) clearTimeout(timer);
    target.removeEventListener('keydown', onKeyDown, true);
  };
}

/** Types text into a field as the browser would (React sees the input event). */
function typeInto(el: Element | null, text: string): void {
  if (!(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement)) return;
  el.focus();
  document.execCommand('insertText', false, text);
}

/** A person's Enter after held keys: submit the field's form, as the key would have. */
function pressKey(el: Element | null, key: string): void {
  if (key !== 'Enter') return;
  if (el instanceof HTMLInputElement && el.form) el.form.requestSubmit();
}
