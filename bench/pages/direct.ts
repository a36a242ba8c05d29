import { exposeBenchPage } from './bench-page.ts'
import { directTransport } from './direct-client.ts'

exposeBenchPage(directTransport())
