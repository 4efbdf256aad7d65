/**
 * Authentication: the HMAC-SHA256 challenge-response over a shared secret, and TLS contexts
 * (mutual TLS 1.3) built from PEM files.
 */
package dev.delta.protocol.auth;
