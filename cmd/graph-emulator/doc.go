// Command graph-emulator serves the Microsoft Graph online meetings API and
// the Azure AD token endpoint it needs, for tests and local runs of the
// onlinemeeting-operator. The emulator itself lives in internal/emulator;
// this command only turns flags into its Config, writes the certificate
// clients must trust (--ca-out), and stops cleanly on SIGINT or SIGTERM.
// Run it with --help for the endpoints, including the /_emulator/
// inspection API that exists for tests only.
package main
