/** Block manifests: the model, path rules, canonical binary encoding, JSON rendering and signatures. */
package dev.delta.engine.manifest;
