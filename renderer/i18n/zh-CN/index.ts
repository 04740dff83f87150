// The Simplified Chinese catalog, same shape as the English one (the type says so).
import type { Catalog } from '../en';
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

export const zhCN: Catalog = { common, toolbar, app, canvas, inspector, dock, doctor, journey, captures, compare, lessons, compareGateways };
