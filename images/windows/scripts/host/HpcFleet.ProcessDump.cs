// A full dump of a process for HpcFleet.psm1's collect-diagnostics task, loaded with
// Add-Type -Path: MiniDumpWriteDump from dbghelp.dll, which every Windows has, and which
// Task Manager's "Create dump file" calls too. The dumped process is the benchmark client,
// started by the same account as the caller, so no tool has to be shipped in the image.
// Microsoft's reference for the call: "MiniDumpWriteDump function (minidumpapiset.h)";
// it is called from another process than the one dumped, as that page advises, and its
// failure's last error is an HRESULT.
// C# 5 only: Windows PowerShell 5.1 compiles this with the .NET Framework's csc, and a test
// parses it as C# 5.
using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace HpcFleet {
    public static class ProcessDump {
        // MINIDUMP_TYPE: MiniDumpWithFullMemory, MiniDumpWithHandleData,
        // MiniDumpWithUnloadedModules, MiniDumpWithFullMemoryInfo, MiniDumpWithThreadInfo:
        // what procdump's -ma writes.
        private const uint FullDump = 0x00000002 | 0x00000004 | 0x00000020 | 0x00000800 | 0x00001000;

        [DllImport("dbghelp.dll", SetLastError = true)]
        private static extern bool MiniDumpWriteDump(IntPtr process, uint processId, SafeFileHandle file,
            uint dumpType, IntPtr exceptionParam, IntPtr userStreamParam, IntPtr callbackParam);

        // Writes the dump of process processId to path, a file that must not exist yet;
        // on a failure no partial file is left.
        public static void Write(int processId, string path) {
            using (Process process = Process.GetProcessById(processId)) {
                bool written;
                int error;
                using (FileStream file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None)) {
                    written = MiniDumpWriteDump(process.Handle, (uint)processId, file.SafeFileHandle, FullDump,
                        IntPtr.Zero, IntPtr.Zero, IntPtr.Zero);
                    error = Marshal.GetLastWin32Error();
                }
                if (!written) {
                    File.Delete(path);
                    throw new InvalidOperationException(string.Format(
                        "MiniDumpWriteDump failed for process {0}: HRESULT 0x{1:X8}", processId, error));
                }
            }
        }
    }
}
