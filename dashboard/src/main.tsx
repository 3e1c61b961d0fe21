/** The dashboard's entry: the stylesheet, the theme before the first paint, then the app. */
import 'uplot/dist/uPlot.min.css';
import './app.css';
import './components/components.css';
import { render } from 'preact';
import { Shell } from './components/shell.js';
import { applyTheme } from './components/theme.js';

applyTheme();
render(<Shell />, document.getElementById('app')!);
