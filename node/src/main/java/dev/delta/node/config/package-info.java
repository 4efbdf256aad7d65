/** The node's configuration file: parsing, defaults and validation with clear messages. */
package dev.delta.node.config;
