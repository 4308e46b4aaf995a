// The merchant taking the payment. A till serves one merchant all day, so the last choice is
// remembered on this workstation.
import { Select, type SelectProps } from 'antd';
import { useTranslation } from 'react-i18next';
import type { MerchantInfo } from '../../../bindings';

export const LAST_MERCHANT_KEY = 'onecard.cashier.merchant';

export function lastMerchant(): number | undefined {
  try {
    const v = Number(globalThis.localStorage?.getItem(LAST_MERCHANT_KEY));
    return Number.isSafeInteger(v) && v > 0 ? v : undefined;
  } catch {
    return undefined;
  }
}

export function rememberMerchant(id: number): void {
  try {
    globalThis.localStorage?.setItem(LAST_MERCHANT_KEY, String(id));
  } catch {
    // Not remembered: the operator picks it again next time.
  }
}

export default function MerchantSelect({ merchants, ...props }: SelectProps<number> & { merchants: MerchantInfo[] }) {
  const { t } = useTranslation();
  return (
    <Select<number>
      showSearch
      // Typing a name or an id and Enter picks the merchant (scanner- and keyboard-friendly).
      optionFilterProp="search"
      placeholder={t('cashier.merchantPlaceholder')}
      options={merchants.map((m) => {
        const text = `${m.name} · ${m.mall} · ${t(`category.${m.category}`)}${m.active ? '' : ` (${t('cashier.inactive')})`}`;
        return {
          value: m.id,
          search: `${m.id} ${text}`,
          label: <span data-value={m.id}>{text}</span>,
          disabled: !m.active,
        };
      })}
      {...props}
    />
  );
}
