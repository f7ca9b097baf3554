//! The go-plugin host contract: handshake, AutoMTLS, controller, stdio, broker, health, logging and debug mode.
