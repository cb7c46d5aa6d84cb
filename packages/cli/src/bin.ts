#!/usr/bin/env node
import 'reflect-metadata';
import { CommanderError } from 'commander';
import { errorMessage, redactUrls } from '@callrelay/core';
import { buildProgram } from './program.js';
import { CommandFailure } from './config-file.js';
import { EXIT } from './exit-codes.js';
import { exitQuietlyWhenStdoutCloses } from './stdout-closed.js';

exitQuietlyWhenStdoutCloses();
try {
  await buildProgram().parseAsync(process.argv);
  process.exitCode = EXIT.OK;
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  } else if (err instanceof CommandFailure) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    // An unexpected error may quote a URL with its credentials (fetch does): redacted.
    process.stderr.write(`callrelay: ${redactUrls(errorMessage(err))}\n`);
    process.exitCode = EXIT.FAILURE;
  }
}
