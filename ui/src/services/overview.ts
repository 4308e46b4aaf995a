// Today's figures for the first screen; the core computes every number.
import type { Overview } from '../bindings';
import { call } from './ipc';

export function overview(): Promise<Overview> {
  return call<Overview>('overview');
}
