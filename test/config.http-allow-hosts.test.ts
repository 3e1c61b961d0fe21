/**
 * The `httpAllowHosts` setting: the form of its entries, what each lets through, and where
 * it comes from (flag > ORDO_HTTP_ALLOW_HOSTS > config file > any host).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowHostsMatcher, checkAllowHosts } from '../src/config/http-allow-hosts.js';
import { resolveConfig, resolveHttpAllowHosts } from '../src/config/resolve.js';
import { ConfigError, ValidationError } from '../src/core/errors.js';

function folderWith(settings: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-allow-'));
  writeFileSync(join(dir, 'ordo.config.json'), JSON.stringify(settings));
  return dir;
}

describe('checkAllowHosts', () => {
  it('takes host names, *.domain patterns, IP literals and ports, as a list or comma-separated text, lower-cased', () => {
    expect(checkAllowHosts('API.Example.com, *.internal:8080,10.0.0.7,[::1]:9000, ,localhost', 'f')).toEqual(['api.example.com', '*.internal:8080', '10.0.0.7', '[::1]:9000', 'localhost']);
    expect(checkAllowHosts(['a.example', 'b_c.local'], 'f')).toEqual(['a.example', 'b_c.local']);
    expect(checkAllowHosts('', 'f')).toEqual([]);
  });

  it('refuses anything else, naming the field and the entry', () => {
    for (const bad of ['https://example.com', 'example.com/path', 'user@example.com', '*example.com', 'a.*.example.com', '*.[::1]', 'example.com:0', 'example.com:70000', '-bad.example', 'exa mple.com', 'bücher.de']) {
      expect(() => checkAllowHosts(bad, 'httpAllowHosts'), bad).toThrow(ValidationError);
      expect(() => checkAllowHosts(bad, 'httpAllowHosts'), bad).toThrow(/^httpAllowHosts: expected host names such as api\.example\.com, \*\.example\.com or localhost:8080/);
    }
    expect(() => checkAllowHosts([42] as unknown as string[], 'f')).toThrow('received number 42');
  });
});

describe('allowHostsMatcher', () => {
  const allows = (entries: string[], url: string) => allowHostsMatcher(checkAllowHosts(entries, 'f'))(new URL(url));

  it('allows every host when the list is empty', () => {
    expect(allows([], 'http://169.254.169.254/latest')).toBe(true);
  });

  it('matches a name exactly, case and a trailing dot aside', () => {
    expect(allows(['api.example.com'], 'https://API.example.com./x')).toBe(true);
    expect(allows(['api.example.com'], 'https://api.example.com.evil.net/')).toBe(false);
    expect(allows(['api.example.com'], 'https://evilapi.example.com/')).toBe(false);
    expect(allows(['api.example.com'], 'https://www.api.example.com/')).toBe(false);
  });

  it('matches hosts below a *.domain, not the domain itself', () => {
    expect(allows(['*.example.com'], 'https://a.b.example.com/')).toBe(true);
    expect(allows(['*.example.com'], 'https://example.com/')).toBe(false);
    expect(allows(['*.example.com'], 'https://badexample.com/')).toBe(false);
    expect(allows(['*.example.com', 'example.com'], 'https://example.com/')).toBe(true);
  });

  it("holds an entry with a port to that port, the scheme's default when the URL names none", () => {
    expect(allows(['localhost:8080'], 'http://localhost:8080/')).toBe(true);
    expect(allows(['localhost:8080'], 'http://localhost:8081/')).toBe(false);
    expect(allows(['localhost:8080'], 'http://localhost/')).toBe(false);
    expect(allows(['example.com:443'], 'https://example.com/')).toBe(true);
    expect(allows(['example.com:80'], 'https://example.com/')).toBe(false);
    expect(allows(['example.com'], 'https://example.com:8443/')).toBe(true);
  });

  it('compares IP literals after the URL parser normalised them', () => {
    expect(allows(['10.0.0.7'], 'http://10.0.0.7/')).toBe(true);
    expect(allows(['localhost'], 'http://2130706433/')).toBe(false);
    expect(allows(['127.0.0.1'], 'http://2130706433/')).toBe(true);
    expect(allows(['[::1]:9000'], 'http://[0:0:0:0:0:0:0:1]:9000/')).toBe(true);
  });
});

describe('httpAllowHosts settings', () => {
  it('come from the flag, then ORDO_HTTP_ALLOW_HOSTS, then the config file; none: any host', async () => {
    const cwd = folderWith({ httpAllowHosts: ['file.example'] });
    const env = { ORDO_HTTP_ALLOW_HOSTS: 'env.example' };
    expect((await resolveConfig({ httpAllowHosts: 'flag.example' }, { env, cwd })).httpAllowHosts).toEqual(['flag.example']);
    expect((await resolveConfig({}, { env, cwd })).httpAllowHosts).toEqual(['env.example']);
    expect((await resolveConfig({}, { env: {}, cwd })).httpAllowHosts).toEqual(['file.example']);
    expect((await resolveConfig({}, { env: {}, cwd: folderWith({}) })).httpAllowHosts).toEqual([]);
    expect((await resolveConfig({}, { env: {}, cwd: folderWith({ httpAllowHosts: 'a.example,b.example' }) })).httpAllowHosts).toEqual(['a.example', 'b.example']);
  });

  it('name the source of a bad entry', async () => {
    const cwd = folderWith({ httpAllowHosts: ['http://x'] });
    await expect(resolveConfig({}, { env: {}, cwd })).rejects.toThrow(`${join(cwd, 'ordo.config.json')}: httpAllowHosts: expected host names`);
    await expect(resolveConfig({}, { env: { ORDO_HTTP_ALLOW_HOSTS: 'a b' }, cwd })).rejects.toThrow(/^ORDO_HTTP_ALLOW_HOSTS: expected host names/);
    const wrongType = folderWith({ httpAllowHosts: 5 });
    await expect(resolveConfig({}, { env: {}, cwd: wrongType })).rejects.toThrow(ConfigError);
    await expect(resolveConfig({}, { env: {}, cwd: wrongType })).rejects.toThrow('httpAllowHosts: expected a list of host names');
  });

  it('for the TypeScript API: the option, then the environment, never a config file', () => {
    expect(resolveHttpAllowHosts(['Opt.example'], 'httpAllowHosts', { ORDO_HTTP_ALLOW_HOSTS: 'env.example' })).toEqual(['opt.example']);
    expect(resolveHttpAllowHosts(undefined, 'httpAllowHosts', { ORDO_HTTP_ALLOW_HOSTS: 'env.example' })).toEqual(['env.example']);
    expect(resolveHttpAllowHosts(undefined, 'httpAllowHosts', { ORDO_HTTP_ALLOW_HOSTS: ' ' })).toEqual([]);
  });
});
