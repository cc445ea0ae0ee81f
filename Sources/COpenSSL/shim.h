#ifndef PERMISO_COPENSSL_SHIM_H
#define PERMISO_COPENSSL_SHIM_H
// Only what RSA signing needs: PermisoCore/Tokens/OpenSSLRSASigner.swift owns every call.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#endif
