// The English catalog: one file per area of the app, each a key of the tree
// (t('toolbar.deploy')). The Chinese tree must have the same shape (zh-CN/index.ts
// is typed by this one).
import { common } from './common';
import { toolbar } from './toolbar';
import { app } from './app';
import { canvas } from './canvas';
import { inspector } from './inspector';
import { dock } from './dock';
import { doctor } from './doctor';
import { journey } from './journey';
import { captures } from './captures';
import { compare } from './compare';
import { lessons } from './lessons';
import { compareGateways } from './compareGateways';

export const en = { common, toolbar, app, canvas, inspector, dock, doctor, journey, captures, compare, lessons, compareGateways };
/** The catalog's shape: every language has exactly these keys, strings as values. */
export type Catalog = typeof en;
