// The console's pages by route, with their menu icon. Who may open which is decided in access.ts.
import { lazy, type ComponentType, type ReactNode } from 'react';
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
// Each page is its own chunk, loaded when first opened: the sign-in screen, which every start
// shows, then parses and runs only the shell's code (cold start, BENCHMARKS.md).
const AnalyticsPage = lazy(() => import('./analytics'));
const ImportsPage = lazy(() => import('./analytics/imports'));
const BatchPage = lazy(() => import('./batch'));
const CardsPage = lazy(() => import('./cards'));
const CashierPage = lazy(() => import('./cashier'));
const ClearingPage = lazy(() => import('./clearing'));
const IssuePage = lazy(() => import('./issue'));
const MembersPage = lazy(() => import('./members'));
const MerchantsPage = lazy(() => import('./merchants'));
const OverviewPage = lazy(() => import('./overview'));
const SettingsPage = lazy(() => import('./settings'));
const TopUpPage = lazy(() => import('./topup'));
const UsersPage = lazy(() => import('./users'));

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
