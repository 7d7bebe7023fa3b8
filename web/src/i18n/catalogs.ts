import { messages as account } from '../features/account/messages';
import { messages as admin } from '../features/admin/messages';
import { messages as freezers } from '../features/freezers/messages';
import { messages as photos } from '../features/photos/messages';
import { messages as products } from '../features/products/messages';
import { messages as trends } from '../features/trends/messages';
import { messages as common } from './messages';

/**
 * Every messages.ts of the app, by namespace: `useT('products')`. A feature's texts live next to it;
 * test/web/messages.test.ts checks that each file is registered here and that en and fr have the same keys.
 */
export const catalogs = { common, account, freezers, products, photos, trends, admin } as const;

export type Namespace = keyof typeof catalogs;
