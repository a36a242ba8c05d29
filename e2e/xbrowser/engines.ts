// One adapter over the two drivers this runner needs: puppeteer-core (Firefox over WebDriver BiDi,
// and Chromium as the control) and webdriverio (WebKitGTK's MiniBrowser through WebKitWebDriver,
// classic WebDriver, under an Xvfb of its own). Scenarios see only Engine and Tab.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { remote } from 'webdriverio'
import { freePort } from '../brokers.ts'

export type EngineName = 'chromium' | 'firefox' | 'webkit'

export interface Tab {
  /** Runs `fn(arg)` in the page and resolves with its (awaited, JSON-serialisable) result. */
  evaluate<T, A = undefined>(fn: (arg: A) => T | Promise<T>, arg?: A): Promise<T>
  goto(url: string): Promise<void>
  /** History back; resolves once the page before is shown again (from the bfcache or loaded). */
  back(): Promise<void>
  close(): Promise<void>
}

export interface Engine {
  name: EngineName
  /** Browser name and version, as the driver reports it. */
  version: string
  /** Opens a new tab on `url` (a page of the harness server) and makes it the foreground tab. */
  open(url: string): Promise<Tab>
  /**
   * Makes `tab` a background tab as the engine does it for a user (another tab in front, or the
   * window minimised) and resolves once the page reports `visibilityState` 'hidden'. Resolves
   * with the tab it had to open in front, if any (the caller closes it).
   */
  hide(tab: Tab): Promise<Tab | null>
  quit(): Promise<void>
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr'
export const MINIBROWSER = process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser'

export async function launch(name: EngineName): Promise<Engine> {
  if (name === 'webkit') return launchWebKit()
  return launchPuppeteer(name)
}

/** Polls `read` until `done(value)`; fails with the last value after `timeout` ms. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeout = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeout
  let value = await read()
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}; last value: ${JSON.stringify(value)}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
    value = await read()
  }
  return value
}

const visibility = (tab: Tab) => tab.evaluate(() => document.visibilityState)

// ---- puppeteer-core: Firefox (WebDriver BiDi) and Chromium (CDP) -------------------------------

async function launchPuppeteer(name: 'chromium' | 'firefox'): Promise<Engine> {
  const browser: Browser = name === 'firefox'
    ? await puppeteer.launch({ browser: 'firefox', protocol: 'webDriverBiDi', executablePath: FIREFOX, headless: true })
    : await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Puppeteer, unlike Playwright, leaves the bfcache on.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    })
  const version = await browser.version()

  function wrap(page: Page): Tab {
    return {
      evaluate: (fn, arg) => page.evaluate(fn as (a: unknown) => unknown, arg) as never,
      goto: async (url) => { await page.goto(url) },
      back: async () => {
        // A page restored from the bfcache fires no load: wait for the navigation to commit only.
        await page.goBack({ waitUntil: [] as never })
        await until(() => page.evaluate(() => document.readyState).catch(() => 'navigating'), (s) => s === 'complete', 10_000, 'the page after back()')
      },
      close: () => page.close(),
    }
  }

  return {
    name,
    version,
    async open(url) {
      const page = await browser.newPage()
      await page.goto(url)
      await page.bringToFront()
      return wrap(page)
    },
    async hide(tab) {
      // One window, many tabs: only the tab in front is visible, as when a user switches tabs.
      if (await visibility(tab) === 'hidden') return null
      const page = await browser.newPage()
      await page.bringToFront()
      await until(() => visibility(tab), (s) => s === 'hidden', 5_000, `${name} to hide a background tab`)
      return wrap(page)
    },
    async quit() {
      await browser.close()
    },
  }
}

// ---- webdriverio: WebKitGTK MiniBrowser under Xvfb ----------------------------------------------

/** Stops a child process by its PID and waits for it to exit. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000)
  await exited
  clearTimeout(timer)
}

/** Xvfb on a display it picks itself (-displayfd), so that parallel runs never collide. */
async function startXvfb(): Promise<{ display: string; child: ChildProcess }> {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk })
  const display = await new Promise<string>((resolve, reject) => {
    let out = ''
    const fd3 = child.stdio[3] as NodeJS.ReadableStream
    fd3.on('data', (chunk: Buffer) => {
      out += chunk
      if (out.includes('\n')) resolve(`:${out.trim()}`)
    })
    child.once('exit', (code) => reject(new Error(`Xvfb exited (${code}): ${stderr}`)))
  })
  return { display, child }
}

async function startWebKitDriver(display: string): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort()
  const child = spawn('WebKitWebDriver', [`--port=${port}`, '--host=127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DISPLAY: display },
  })
  child.stdout!.resume()
  child.stderr!.resume()
  await until(() => fetch(`http://127.0.0.1:${port}/status`).then((r) => r.ok, () => false), Boolean, 10_000, 'WebKitWebDriver')
  return { port, child }
}

async function launchWebKit(): Promise<Engine> {
  if (!existsSync(MINIBROWSER)) throw new Error(`MiniBrowser not found at ${MINIBROWSER} (Debian package webkit2gtk-driver)`)
  const xvfb = await startXvfb()
  const driver = await startWebKitDriver(xvfb.display).catch(async (error) => { await stop(xvfb.child); throw error })
  const browser = await remote({
    hostname: '127.0.0.1',
    port: driver.port,
    logLevel: 'warn',
    // A failed command is not sent again: a script with side effects must run once.
    connectionRetryCount: 0,
    capabilities: {
      browserName: 'MiniBrowser',
      'wdio:enforceWebDriverClassic': true,
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
    } as WebdriverIO.Capabilities,
  })
  const caps = browser.capabilities as { browserName?: string; browserVersion?: string }
  // The session's first window stays open on about:blank: closing a session's last window ends it.
  const home = await browser.getWindowHandle()

  // Classic WebDriver drives one window at a time: every command switches first, one at a time.
  let queue: Promise<unknown> = Promise.resolve()
  let current = home
  function inWindow<T>(handle: string, run: () => Promise<T>): Promise<T> {
    const next = queue.then(async () => {
      if (current !== handle) { await browser.switchToWindow(handle); current = handle }
      return run()
    })
    queue = next.catch(() => {})
    return next
  }

  const handles = new Map<Tab, string>()

  function wrap(handle: string): Tab {
    const tab: Tab = {
      // executeAsync: the page's promise is awaited in the page and its result called back.
      evaluate: (fn, arg) => inWindow(handle, async () => {
        const result = await browser.executeAsync(
          (source: string, a: unknown, done: (r: { ok: boolean; value?: unknown; error?: string }) => void) => {
            const f = new Function(`return (${source})`)() as (x: unknown) => unknown
            Promise.resolve().then(() => f(a)).then(
              (value) => done({ ok: true, value: value === undefined ? null : value }),
              (error: unknown) => done({ ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
            )
          }, fn.toString(), arg === undefined ? null : arg)
        if (!result.ok) throw new Error(`in ${handle}: ${result.error}`)
        return result.value as never
      }),
      goto: (url) => inWindow(handle, () => browser.url(url).then(() => {})),
      back: () => inWindow(handle, async () => {
        await browser.back()
        await until(() => browser.execute(() => document.readyState), (s) => s === 'complete', 10_000, 'the page after back()')
      }),
      close: () => inWindow(handle, async () => {
        handles.delete(tab)
        await browser.closeWindow()
        await browser.switchToWindow(home)
        current = home
      }),
    }
    handles.set(tab, handle)
    return tab
  }

  return {
    name: 'webkit',
    version: `${caps.browserName ?? 'MiniBrowser'} ${caps.browserVersion ?? '?'}`,
    async open(url) {
      // A window, not a tab: MiniBrowser shows a new tab behind the current one (hidden), and
      // switching to it over WebDriver does not bring it to the front.
      const { handle } = await inWindow(current, () => browser.createWindow('window'))
      const tab = wrap(handle)
      await tab.goto(url)
      return tab
    },
    async hide(tab) {
      // Every tab is a window of its own here, all visible under Xvfb: minimising one hides it.
      await inWindow(handles.get(tab)!, () => browser.minimizeWindow())
      await until(() => visibility(tab), (s) => s === 'hidden', 5_000, 'WebKit to hide a minimised window')
      return null
    },
    async quit() {
      await browser.deleteSession().catch(() => {})
      await stop(driver.child)
      await stop(xvfb.child)
    },
  }
}
