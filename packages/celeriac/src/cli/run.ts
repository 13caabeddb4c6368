/** Entry point of the `celeriac` command: run the CLI with the process's arguments. */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
