// Small DOM helpers for the demo page (no UI framework: the page is a plain consumer of the library).
import { HubError } from '../src/index.ts'

export function byTestId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.querySelector<T>(`[data-testid="${id}"]`)
  if (!found) throw new Error(`demo/index.html has no [data-testid="${id}"]`)
  return found
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text = '', testId?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  node.textContent = text
  if (testId) node.dataset.testid = testId
  if (className) node.className = className
  return node
}

/** Shows an error as "CODE: message" (HubError) or its message; `undefined` hides the output. */
export function showError(output: HTMLElement, error: unknown): void {
  output.hidden = error === undefined
  output.textContent = error instanceof HubError ? `${error.code}: ${error.message}`
    : error instanceof Error ? error.message : error === undefined ? '' : String(error)
}

/** Runs a validator as the user types, so that a bad topic is explained before it is sent. */
export function validateAsTyped(input: HTMLInputElement, output: HTMLElement, validate: (value: string) => void): void {
  const check = (): void => {
    try {
      validate(input.value)
      input.removeAttribute('aria-invalid')
      showError(output, undefined)
    } catch (error) {
      input.setAttribute('aria-invalid', 'true')
      showError(output, error)
    }
  }
  input.addEventListener('input', check)
  check()
}

/** Runs `action` with the button disabled, showing its error (or clearing the old one) in `output`. */
export function onClick(button: HTMLButtonElement, output: HTMLElement, action: () => Promise<unknown>): void {
  button.addEventListener('click', async () => {
    button.disabled = true
    try {
      await action()
      showError(output, undefined)
    } catch (error) {
      showError(output, error)
    } finally {
      button.disabled = false
    }
  })
}

export function clock(date = new Date()): string {
  return `${date.toLocaleTimeString('en-GB', { hour12: false })}.${String(date.getMilliseconds()).padStart(3, '0')}`
}
