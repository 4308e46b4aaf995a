// @vitest-environment jsdom
// The issuing and cashier forms against a fake shell: what they validate before submitting, what
// they send, and what they show back.
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BatchIssueRequest, JobProgress } from '../bindings';
import { ADMIN, CARD, FakeShell } from '../test/fakeShell';

let shell = new FakeShell();
vi.mock('@tauri-apps/api/core', () => ({
  invoke: (command: string, args?: unknown) => shell.invoke(command, args),
  Channel: class {
    onmessage: (m: unknown) => void = () => undefined;
  },
}));

const { renderAt, type } = await import('../test/screen');
const { changeLanguage } = await import('../i18n');

beforeEach(async () => {
  shell = new FakeShell();
  shell.handlers.session = () => ADMIN;
  await changeLanguage('zh-CN');
});

afterEach(() => {
  cleanup();
  window.localStorage.clear();
});

describe('issue card', () => {
  it('checks the ID number before submitting a registered card, then shows the full number', async () => {
    shell.handlers.card_issue = () => CARD;
    await renderAt('#/issue');
    fireEvent.click(await screen.findByTestId('issue-registered'));
    await type('issue-holder-name', '张三');
    await type('issue-id-number', '110105194912310021');
    await type('issue-phone', '13812345678');
    fireEvent.click(screen.getByTestId('issue-submit'));
    expect(await screen.findByText('身份证号无效：应为 18 位，出生日期和校验位须正确。')).toBeTruthy();
    expect(shell.argsOf('card_issue')).toHaveLength(0);

    await type('issue-id-number', '11010519491231002x');
    fireEvent.click(screen.getByTestId('issue-submit'));
    expect((await screen.findByTestId('issue-result-card')).textContent).toBe(CARD.card);
    expect(shell.argsOf('card_issue')).toEqual([
      { request: { card_type: 'physical', holder: { name: '张三', id_number: '11010519491231002X', phone: '13812345678' }, mall: null } },
    ]);
  });

  it('shows the QR code of a new virtual card with its countdown', async () => {
    shell.handlers.card_issue = () => ({ ...CARD, type: 'virtual', registered: false });
    shell.handlers.card_qr = () => ({ card: CARD.card, payload: 'OC1.x', svg: '<svg xmlns="http://www.w3.org/2000/svg"/>', expires_at: '2026-11-27T10:01:00+08:00', ttl_seconds: 60 });
    await renderAt('#/issue');
    const virtual = (await screen.findByTestId('issue-type')).querySelector('[data-value="virtual"]');
    fireEvent.click(virtual as Element);
    fireEvent.click(screen.getByTestId('issue-submit'));
    expect((await screen.findByTestId('issue-qr-image')).getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    expect((await screen.findByTestId('issue-qr-countdown')).textContent).toContain('60');
    expect(shell.argsOf('card_issue')[0]).toMatchObject({ request: { card_type: 'virtual', holder: null } });
  });
});

describe('batch issue', () => {
  it('asks for the buyer at the real-name threshold, reports progress and exports', async () => {
    let sent: BatchIssueRequest | null = null;
    shell.handlers.batch_issue = (args) => {
      const { request, on_progress: onProgress } = args as { request: BatchIssueRequest; on_progress: { onmessage: (p: JobProgress) => void } };
      sent = request;
      onProgress.onmessage({ done: 10, total: 20, stage: 'writing' });
      return { reference: request.reference, count: 20, cards: [CARD.card], face_value: '500.00', total: '10000.00', entry_id: 1, replayed: false };
    };
    shell.handlers.batch_export = () => ({ path: '/home/op/Downloads/batch.xlsx', rows: 20 });
    await renderAt('#/batch');
    await type('batch-count', '20');
    await type('batch-face-value', '500');
    await type('batch-payer-name', 'ACME Ltd');
    expect((await screen.findByTestId('batch-buyer-name'))).toBeTruthy();
    fireEvent.click(screen.getByTestId('batch-submit'));
    expect(await screen.findByText('请输入购买人姓名')).toBeTruthy();
    await type('batch-buyer-name', '李四');
    await type('batch-buyer-id', '11010519491231002X');
    fireEvent.click(screen.getByTestId('batch-submit'));
    expect((await screen.findByTestId('batch-result-count')).textContent).toBe('20');
    expect(sent).toMatchObject({ count: 20, face_value: '500.00', buyer_name: '李四', buyer_id: '11010519491231002X', channel: 'bank_transfer', payer_name: 'ACME Ltd' });
    fireEvent.click(screen.getByTestId('batch-export-xlsx'));
    expect((await screen.findByTestId('batch-export-path')).textContent).toContain('/home/op/Downloads/batch.xlsx');
    expect(shell.argsOf('batch_export')).toEqual([{ reference: (sent as unknown as BatchIssueRequest).reference, format: 'xlsx' }]);
  });
});

describe('batch cancel', () => {
  it('cancels a running job and says nothing was written', async () => {
    let cancel: () => void = () => undefined;
    shell.handlers.batch_issue = () =>
      new Promise((_resolve, reject) => {
        cancel = () => reject({ code: 'cancelled', message: 'job cancelled' });
      });
    shell.handlers.job_cancel = (args) => {
      cancel();
      return (args as { job: string }).job.startsWith('job-');
    };
    await renderAt('#/batch');
    await type('batch-count', '2');
    await type('batch-face-value', '100');
    await type('batch-payer-name', 'ACME Ltd');
    fireEvent.click(screen.getByTestId('batch-submit'));
    fireEvent.click(await screen.findByTestId('batch-cancel'));
    expect((await screen.findByTestId('batch-cancelled')).textContent).toContain('已取消');
    const [issueArgs] = shell.argsOf('batch_issue') as { job: string }[];
    expect(shell.argsOf('job_cancel')).toEqual([{ job: issueArgs?.job }]);
    expect(screen.queryByTestId('batch-error')).toBeNull();
  });
});

describe('cashier', () => {
  it('resolves a scanned QR payload and pays with it', async () => {
    shell.handlers.card_from_qr = () => CARD;
    shell.handlers.pay = () => ({ entry_id: 2, card: CARD.card, amount: '88.00', balance_after: '612.00', replayed: false });
    window.localStorage.setItem('onecard.cashier.merchant', '3');
    await renderAt('#/cashier');
    await type('pay-card', 'OC1.payload-from-phone');
    fireEvent.blur(screen.getByTestId('pay-card'));
    await waitFor(() => expect(shell.argsOf('card_from_qr')).toEqual([{ payload: 'OC1.payload-from-phone' }]));
    await type('pay-amount', '88');
    await waitFor(() => expect(shell.argsOf('merchant_list')).toHaveLength(1));
    fireEvent.click(screen.getByTestId('pay-submit'));
    expect((await screen.findByTestId('pay-result-balance')).textContent).toBe('¥612.00');
    expect(shell.argsOf('pay')[0]).toMatchObject({ request: { card: CARD.card, medium: 'qr', qr_payload: 'OC1.payload-from-phone', amount: '88.00' } });
  });

  it('shows insufficient funds next to the amount', async () => {
    shell.refuse('pay', 'insufficient_funds');
    window.localStorage.setItem('onecard.cashier.merchant', '3');
    await renderAt('#/cashier');
    // The e2e test picks the merchant through this id: it must reach the DOM.
    expect((await screen.findByTestId('pay-merchant')).className).toContain('ant-select');
    await type('pay-card', CARD.card);
    await type('pay-amount', '9999');
    await waitFor(() => expect(shell.argsOf('merchant_list')).toHaveLength(1));
    fireEvent.click(screen.getByTestId('pay-submit'));
    expect((await screen.findByTestId('pay-error')).textContent).toBe('卡内余额不足。');
    // A retry sends the very same request (reference and checkout time), so the core can replay it.
    await new Promise((r) => setTimeout(r, 1100));
    fireEvent.click(screen.getByTestId('pay-submit'));
    await waitFor(() => expect(shell.argsOf('pay')).toHaveLength(2));
    const [first, retry] = shell.argsOf('pay');
    expect(retry).toEqual(first);
  });
});
