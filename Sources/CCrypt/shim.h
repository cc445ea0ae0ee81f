#ifndef PERMISO_CCRYPT_SHIM_H
#define PERMISO_CCRYPT_SHIM_H
#include <crypt.h>
#endif
