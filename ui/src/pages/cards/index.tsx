// Cards: the server-paged, filterable, sortable list of every card, and the detail drawer where a
// card is serviced. The total is asked separately (counting is slower than a keyset page).
import { useCallback, useState } from 'react';
import { Card } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CardInfo, CardQuery, CardSort } from '../../bindings';
import PageTitle from '../../components/PageTitle';
import RefusalAlert from '../../components/RefusalAlert';
import { useCommand } from '../../hooks/useCommand';
import { cardCount, cardList } from '../../services/cards';
import { mallList } from '../../services/members';
import CardDrawer from './components/CardDrawer';
import CardFilters, { NO_FILTERS, type Filters } from './components/CardFilters';
import CardTable, { DEFAULT_SORT } from './components/CardTable';
import Pager, { PAGE_SIZES } from './components/Pager';
import { back, cursorOf, FIRST_PAGE, forward, pageNumberOf, type PagerState } from './paging';

export default function CardsPage() {
  const { t } = useTranslation();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [order, setOrder] = useState(DEFAULT_SORT);
  const [limit, setLimit] = useState<number>(PAGE_SIZES[0]);
  const [pager, setPager] = useState<PagerState>(FIRST_PAGE);
  const [openId, setOpenId] = useState<number | null>(null);
  const [version, setVersion] = useState(0);

  const query: CardQuery = { ...filters, sort: order.sort, desc: order.desc, after: cursorOf(pager), limit };
  const page = useCommand(() => cardList(query), [JSON.stringify(query), version]);
  const total = useCommand(() => cardCount({ ...query, after: null }), [JSON.stringify(filters), version]);
  const malls = useCommand(mallList, []);

  const applyFilters = useCallback((next: Filters) => {
    setFilters(next);
    setPager(FIRST_PAGE);
  }, []);

  const onSort = (sort: CardSort, desc: boolean) => {
    setOrder({ sort, desc });
    setPager(FIRST_PAGE);
  };

  const next = page.data?.next ?? null;
  return (
    <>
      <PageTitle>{t('menu.cards')}</PageTitle>
      <Card>
        <CardFilters malls={malls.data ?? []} onApply={applyFilters} />
        <RefusalAlert error={page.error ?? total.error} testId="cards-error" />
        <CardTable
          rows={page.data?.rows ?? []}
          loading={page.loading}
          sort={order.sort}
          desc={order.desc}
          onSort={onSort}
          onOpen={(card: CardInfo) => setOpenId(card.id)}
        />
        <Pager
          page={pageNumberOf(pager)}
          pageSize={limit}
          total={total.loading ? undefined : total.data}
          hasPrevious={pageNumberOf(pager) > 1}
          hasNext={next !== null}
          loading={page.loading}
          onPrevious={() => setPager(back)}
          onNext={() => next !== null && setPager((s) => forward(s, next))}
          onPageSize={(size) => {
            setLimit(size);
            setPager(FIRST_PAGE);
          }}
        />
      </Card>
      <CardDrawer id={openId} onClose={() => setOpenId(null)} onChanged={() => setVersion((v) => v + 1)} />
    </>
  );
}
