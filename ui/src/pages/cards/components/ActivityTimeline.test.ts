import { describe, expect, it } from 'vitest';
import { createI18n } from '../../../i18n';
import type { Activity } from '../../../bindings';
import { noteText } from './ActivityTimeline';

const base: Activity = { seq: 1, kind: 'top_up', amount: '1.00', balance_after: '1.00', entry_id: 1, actor: 'admin', at: '2026-11-27T10:00:00+08:00', note: 'wechat' };

describe('activity notes', () => {
  it('translates channels and references, keeps free text', () => {
    const zh = createI18n('zh-CN').t;
    const en = createI18n('en-US').t;
    expect(noteText(base, zh)).toBe('微信支付');
    expect(noteText(base, en)).toBe('WeChat Pay');
    expect(noteText({ ...base, kind: 'purchase', note: 'merchant 12' }, en)).toBe('Merchant 12');
    expect(noteText({ ...base, kind: 'refund', note: 'payment 7' }, zh)).toBe('付款单 7');
    expect(noteText({ ...base, kind: 'freeze', note: '顾客来电' }, en)).toBe('顾客来电');
  });
});
