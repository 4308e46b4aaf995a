// Helpers for screen tests: render the whole app at a route and type like an operator.
import { configure, fireEvent, render, screen } from '@testing-library/react';
import { vi } from 'vitest';
import App from '../App';
import { installDomShims } from './dom';

installDomShims();
// Ant Design in jsdom is slow: a screen takes seconds to mount.
vi.setConfig({ testTimeout: 60_000 });
configure({ asyncUtilTimeout: 15_000 });

export async function renderAt(hash: string): Promise<void> {
  window.location.hash = hash;
  render(<App />);
}

export async function type(testId: string, value: string): Promise<void> {
  fireEvent.change(await screen.findByTestId(testId), { target: { value } });
}
