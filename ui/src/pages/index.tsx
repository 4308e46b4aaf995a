// The console's pages and their place in the side menu. A page is added here and nowhere else;
// the layout builds the menu from this list.
import type { ComponentType, ReactNode } from 'react';
import { DashboardOutlined } from '@ant-design/icons';
import OverviewPage from './overview';

export interface PageDef {
  key: string;
  /** Locale key of the menu entry. */
  labelKey: string;
  icon: ReactNode;
  Component: ComponentType;
}

const OVERVIEW: PageDef = {
  key: 'overview',
  labelKey: 'menu.overview',
  icon: <DashboardOutlined />,
  Component: OverviewPage,
};

export const PAGES: readonly PageDef[] = [OVERVIEW];

/** The page shown at start. */
export const HOME_PAGE = OVERVIEW;
