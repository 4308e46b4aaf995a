// Previous / next over keyset pages, the page size, and the total (counted separately: slower).
import { LeftOutlined, RightOutlined } from '@ant-design/icons';
import { Button, Flex, Select, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { toLanguage } from '../../../i18n';
import { formatCount } from '../../../utils/format';

export const PAGE_SIZES = [20, 50, 100, 200] as const;

interface Props {
  page: number;
  pageSize: number;
  total: number | undefined;
  hasPrevious: boolean;
  hasNext: boolean;
  loading: boolean;
  onPrevious: () => void;
  onNext: () => void;
  onPageSize: (size: number) => void;
}

export default function Pager(p: Props) {
  const { t, i18n } = useTranslation();
  const language = toLanguage(i18n.language);
  return (
    <Flex justify="space-between" align="center" style={{ marginTop: 16 }}>
      <Typography.Text type="secondary" data-testid="cards-total">
        {p.total === undefined ? t('cards.counting') : t('cards.total', { n: formatCount(p.total, language) })}
      </Typography.Text>
      <Space>
        <Button icon={<LeftOutlined />} disabled={!p.hasPrevious || p.loading} onClick={p.onPrevious} data-testid="cards-previous">
          {t('cards.previous')}
        </Button>
        <Typography.Text data-testid="cards-page">{t('cards.page', { n: p.page })}</Typography.Text>
        <Button disabled={!p.hasNext || p.loading} onClick={p.onNext} data-testid="cards-next">
          {t('cards.next')} <RightOutlined />
        </Button>
        <Select
          value={p.pageSize}
          onChange={p.onPageSize}
          style={{ width: 120 }}
          data-testid="cards-page-size"
          options={PAGE_SIZES.map((n) => ({ value: n, label: t('cards.perPage', { n }) }))}
        />
      </Space>
    </Flex>
  );
}
