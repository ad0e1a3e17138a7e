// Preact with htm: JSX-like templates as tagged strings, no compile step for templates and
// nothing evaluated at run time (the Content-Security-Policy forbids eval).
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
export { render } from 'preact';
export { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
