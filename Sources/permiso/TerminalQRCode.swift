import CQRencode
import Foundation

/// A QR code drawn with Unicode half blocks, two modules per character cell, with the
/// four-module quiet zone scanners need; encoded by libqrencode, loaded when first used.
enum TerminalQRCode {
    /// The QR code of `text`, or `nil` when libqrencode is not installed. With `colors`
    /// (a terminal), each line sets white on black itself, so the code reads the same on a
    /// light background as on a dark one.
    static func render(_ text: String, colors: Bool = false) -> String? {
        guard let library = dlopen("libqrencode.so.4", RTLD_NOW) ?? dlopen("libqrencode.so", RTLD_NOW),
            let encodeSymbol = dlsym(library, "QRcode_encodeString"),
            let freeSymbol = dlsym(library, "QRcode_free")
        else { return nil }
        let encode = unsafeBitCast(encodeSymbol, to: PermisoQRcodeEncodeString.self)
        let free = unsafeBitCast(freeSymbol, to: PermisoQRcodeFree.self)
        guard let code = encode(text, 0, PERMISO_QR_ECLEVEL_M, PERMISO_QR_MODE_8, 1) else { return nil }
        defer { free(code) }
        let width = Int(code.pointee.width)
        let modules = UnsafeBufferPointer(start: code.pointee.data, count: width * width)
        let drawn = draw(width: width) { row, column in modules[row * width + column] & 1 == 1 }
        guard colors else { return drawn }
        return drawn.split(separator: "\n").map { "\u{1B}[97;40m" + $0 + "\u{1B}[0m" }.joined(separator: "\n")
    }

    /// Light background, dark modules: each cell is the upper and lower of two rows.
    static func draw(width: Int, dark: (_ row: Int, _ column: Int) -> Bool) -> String {
        let quiet = 4
        func isDark(_ row: Int, _ column: Int) -> Bool {
            let r = row - quiet
            let c = column - quiet
            return r >= 0 && r < width && c >= 0 && c < width && dark(r, c)
        }
        var lines: [String] = []
        let size = width + 2 * quiet
        for row in stride(from: 0, to: size, by: 2) {
            var line = ""
            for column in 0..<size {
                switch (isDark(row, column), isDark(row + 1, column)) {
                case (false, false): line += "█"
                case (true, false): line += "▄"
                case (false, true): line += "▀"
                case (true, true): line += " "
                }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
