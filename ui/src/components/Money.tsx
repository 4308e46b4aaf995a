// Every amount on screen goes through here: ¥, thousands separators, two decimals, tabular digits
// (aligned in columns). Money stays a decimal string end to end.
import { useTranslation } from 'react-i18next';
import { toLanguage } from '../i18n';
import { formatMoneySafe, formatSignedMoney } from '../utils/format';

interface Props {
  amount: string | null | undefined;
  /** Show a + on positive amounts (timeline movements). */
  signed?: boolean;
  strong?: boolean;
  testId?: string;
}

export default function Money({ amount, signed = false, strong = false, testId }: Props) {
  const { i18n } = useTranslation();
  const language = toLanguage(i18n.language);
  let text = formatMoneySafe(amount, language);
  if (signed && amount !== null && amount !== undefined) {
    try {
      text = formatSignedMoney(amount, language);
    } catch {
      // Unexpected text from the shell: shown as it came.
    }
  }
  return (
    <span className={strong ? 'money money-strong' : 'money'} data-testid={testId}>
      {text}
    </span>
  );
}
