// The top-up rules in force, beside the form, so the operator can answer "why not?" up front.
import { Card } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Rules } from '../../../bindings';
import Money from '../../../components/Money';
import RefusalAlert from '../../../components/RefusalAlert';
import type { CommandError } from '../../../services/ipc';

export default function TopUpRules({ rules, error }: { rules: Rules | undefined; error: CommandError | null }) {
  const { t } = useTranslation();
  return (
    <Card title={t('topup.rulesTitle')} size="small">
      <RefusalAlert error={error} />
      {rules !== undefined && (
        <ul style={{ paddingLeft: 20, margin: 0 }}>
          <li>{t('topup.ruleCapRegistered')} <Money amount={rules.balance_cap_registered} /></li>
          <li>{t('topup.ruleCapAnonymous')} <Money amount={rules.balance_cap_anonymous} /></li>
          <li>{t('topup.ruleCashPerson')} <Money amount={rules.cash_limit_person} /></li>
          <li>{t('topup.ruleCashCompany')} <Money amount={rules.cash_limit_company} /></li>
          <li>{rules.credit_funding_allowed ? t('topup.ruleCreditAllowed') : t('topup.ruleCreditRefused')}</li>
        </ul>
      )}
    </Card>
  );
}
