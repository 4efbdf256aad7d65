/** Content-defined chunking (FastCDC 2020) of byte streams and files. */
package dev.delta.engine.chunk;
