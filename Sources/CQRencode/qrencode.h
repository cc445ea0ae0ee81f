// The part of libqrencode's API `permiso totp enroll` uses, declared here so Permiso builds
// without libqrencode's headers: the command loads libqrencode.so.4 when it runs, and
// without it prints the otpauth URI alone. The layout is qrencode.h's (libqrencode 4).
#ifndef PERMISO_CQRENCODE_H
#define PERMISO_CQRENCODE_H

typedef struct {
    int version;
    int width;
    // width × width modules, one byte each; bit 0 set means dark.
    unsigned char *data;
} PermisoQRcode;

// QRcode_encodeString(string, version 0 = smallest, level, hint, casesensitive)
typedef PermisoQRcode *(*PermisoQRcodeEncodeString)(const char *string, int version, int level, int hint, int casesensitive);
typedef void (*PermisoQRcodeFree)(PermisoQRcode *qrcode);

// QRecLevel's QR_ECLEVEL_M and QRencodeMode's QR_MODE_8.
#define PERMISO_QR_ECLEVEL_M 1
#define PERMISO_QR_MODE_8 2

#endif
