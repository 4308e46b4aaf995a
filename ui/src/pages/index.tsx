// The console's pages by route, with their menu icon. Who may open which is decided in access.ts.
import type { ComponentType, ReactNode } from 'react';
import {
  AppstoreAddOutlined,
  AuditOutlined,
  BarChartOutlined,
  CloudUploadOutlined,
  CreditCardOutlined,
  DashboardOutlined,
  IdcardOutlined,
  PlusCircleOutlined,
  SettingOutlined,
  ShopOutlined,
  ShoppingCartOutlined,
  TeamOutlined,
  WalletOutlined,
} from '@ant-design/icons';
import type { RouteKey } from '../access';
import AnalyticsPage from './analytics';
import ImportsPage from './analytics/imports';
import BatchPage from './batch';
import CardsPage from './cards';
import CashierPage from './cashier';
import ClearingPage from './clearing';
import IssuePage from './issue';
import MembersPage from './members';
import MerchantsPage from './merchants';
import OverviewPage from './overview';
import SettingsPage from './settings';
import TopUpPage from './topup';
import UsersPage from './users';

export interface PageDef {
  icon: ReactNode;
  Component: ComponentType;
}

export const PAGES: Record<RouteKey, PageDef> = {
  overview: { icon: <DashboardOutlined />, Component: OverviewPage },
  cards: { icon: <CreditCardOutlined />, Component: CardsPage },
  issue: { icon: <PlusCircleOutlined />, Component: IssuePage },
  batch: { icon: <AppstoreAddOutlined />, Component: BatchPage },
  topup: { icon: <WalletOutlined />, Component: TopUpPage },
  cashier: { icon: <ShoppingCartOutlined />, Component: CashierPage },
  members: { icon: <IdcardOutlined />, Component: MembersPage },
  merchants: { icon: <ShopOutlined />, Component: MerchantsPage },
  clearing: { icon: <AuditOutlined />, Component: ClearingPage },
  users: { icon: <TeamOutlined />, Component: UsersPage },
  analytics: { icon: <BarChartOutlined />, Component: AnalyticsPage },
  imports: { icon: <CloudUploadOutlined />, Component: ImportsPage },
  settings: { icon: <SettingOutlined />, Component: SettingsPage },
};
