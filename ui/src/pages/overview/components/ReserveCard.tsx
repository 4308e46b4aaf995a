// The reserve funds at a glance (DOMAIN rule 7): the coverage of the latest reconciled custody
// statement, and an alert when it is below 100%. The core computes it (`reserve_latest`: the
// report `reserve reconcile --date D` gives for the latest statement finance imported, so the
// overview shows what finance saw, not a comparison of yesterday's bank balance with today's
// traffic). Loaded on its own so the day's figures never wait for it.
import { Alert, Card, Space, Statistic, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import Money from '../../../components/Money';
import RefusalAlert from '../../../components/RefusalAlert';
import { useCommand } from '../../../hooks/useCommand';
import { coverageShort, formatCoverage, reserveLatest } from '../../../services/clearing';

export default function ReserveCard() {
  const { t } = useTranslation();
  const { data, error, loading } = useCommand(reserveLatest, []);
  const short = data !== undefined && data !== null && (data.alert || coverageShort(data.coverage));
  return (
    <Card title={t('overview.reserve.title')} size="small" loading={loading} data-testid="overview-reserve">
      <RefusalAlert error={error} testId="overview-reserve-error" />
      {data === null && (
        <Alert type="warning" showIcon message={t('overview.reserve.noStatement')} data-testid="overview-reserve-none" />
      )}
      {data !== undefined && data !== null && (
        <>
          {short && (
            <Alert
              type="error"
              showIcon
              style={{ marginBottom: 16 }}
              data-testid="overview-reserve-alert"
              message={t('overview.reserve.alert', { coverage: formatCoverage(data.coverage), date: data.date })}
              description={
                <ul style={{ margin: 0, paddingInlineStart: 20 }}>
                  {data.differences.map((d) => (
                    <li key={d.item} data-testid={`overview-reserve-diff-${d.item}`}>
                      {t(`clearing.recon.items.${d.item}`, { defaultValue: d.item })}: <Money amount={d.difference} />
                    </li>
                  ))}
                </ul>
              }
            />
          )}
          <Space size={48} wrap>
            <Statistic
              title={t('overview.reserve.coverage')}
              value={formatCoverage(data.coverage)}
              valueStyle={{ color: short ? '#cf1322' : '#3f8600' }}
              formatter={() => <span data-testid="overview-reserve-coverage">{formatCoverage(data.coverage)}</span>}
            />
            <Statistic
              title={t('clearing.recon.custodyBank')}
              value={data.custody_bank}
              formatter={() => <Money amount={data.custody_bank} />}
            />
            <Statistic
              title={t('overview.reserve.owed')}
              value={data.card_balances}
              formatter={() => (
                <span>
                  <Money amount={data.card_balances} /> + <Money amount={data.unsettled_payables} />
                </span>
              )}
            />
          </Space>
          <div>
            <Typography.Text type="secondary" data-testid="overview-reserve-date">
              {t('overview.reserve.asOf', { date: data.date })}
            </Typography.Text>
          </div>
        </>
      )}
    </Card>
  );
}
