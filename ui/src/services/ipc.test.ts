import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createI18n } from '../i18n';

// Stand-in for the shell: each test decides what the command resolves or rejects with.
const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { call, CommandError, errorMessage, onSignedOut, toCommandError } = await import('./ipc');

describe('call', () => {
  beforeEach(() => invoke.mockReset());

  it('passes the command, its arguments and its result through', async () => {
    invoke.mockResolvedValueOnce(42);
    await expect(call('card_count', { query: {} })).resolves.toBe(42);
    expect(invoke).toHaveBeenCalledWith('card_count', { query: {} });
  });

  it('rejects with the shell error as a CommandError', async () => {
    invoke.mockRejectedValueOnce({ code: 'not_initialized', message: 'run onecard init' });
    const error = await call('overview').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toMatchObject({ code: 'not_initialized', message: 'run onecard init' });
  });

  it('turns a bridge failure (no shell, plain string) into code ipc', async () => {
    invoke.mockRejectedValueOnce(new TypeError('window.__TAURI_INTERNALS__ is undefined'));
    await expect(call('overview')).rejects.toMatchObject({ code: 'ipc' });
    invoke.mockRejectedValueOnce('command card_cnt not found');
    await expect(call('card_cnt')).rejects.toMatchObject({ code: 'ipc', message: 'command card_cnt not found' });
  });

  it('tells the app when the session has ended behind its back', async () => {
    const listener = vi.fn();
    const stop = onSignedOut(listener);
    invoke.mockRejectedValueOnce({ code: 'forbidden', message: 'no' });
    await call('user_list').catch(() => null);
    expect(listener).not.toHaveBeenCalled();
    invoke.mockRejectedValueOnce({ code: 'not_signed_in', message: 'sign in' });
    await call('user_list').catch(() => null);
    expect(listener).toHaveBeenCalledTimes(1);
    stop();
    invoke.mockRejectedValueOnce({ code: 'not_signed_in', message: 'sign in' });
    await call('user_list').catch(() => null);
    expect(listener).toHaveBeenCalledTimes(1);
  });
});

describe('errorMessage', () => {
  const zh = createI18n('zh-CN');
  const en = createI18n('en-US');

  it('translates a known code in the current language', () => {
    const error = { code: 'card_frozen', message: 'card 620058*********1234 is frozen' };
    expect(errorMessage(error, zh.t)).toBe('卡片已冻结。');
    expect(errorMessage(error, en.t)).toBe('The card is frozen.');
  });

  it("falls back to the shell's message for a code the locales don't know", () => {
    const error = { code: 'brand_new_rule', message: 'a rule added in the core yesterday' };
    expect(errorMessage(error, zh.t)).toBe('a rule added in the core yesterday');
    expect(errorMessage(error, en.t)).toBe('a rule added in the core yesterday');
  });

  it('says "unknown error" when there is neither a translation nor a message', () => {
    expect(errorMessage({ code: 'mystery', message: ' ' }, zh.t)).toBe('未知错误');
    expect(errorMessage({ code: 'mystery', message: '' }, en.t)).toBe('Unknown error');
  });

  it('accepts anything a promise can reject with', () => {
    expect(errorMessage(new Error('boom'), en.t)).toBe(en.t('errors.ipc'));
    expect(toCommandError(null)).toMatchObject({ code: 'ipc', message: 'null' });
    expect(toCommandError({ code: 1, message: 'not a payload' }).code).toBe('ipc');
  });
});
