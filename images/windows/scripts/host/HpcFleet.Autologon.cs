// Native calls for set-autologon.ps1, loaded with Add-Type -Path. The LSA secret
// "DefaultPassword" is where Winlogon reads the autologon password; only SYSTEM can read it.
// LocalLogon checks a password with LogonUser, which needs no network service; LocalGroup
// lists a group's members as SIDs, with no name lookups; AccountRights grants the account
// the user rights it needs (restarting Windows for a fleet job's reboot task).
// C# 5 only: Windows PowerShell 5.1 compiles this with the .NET Framework's csc, and a test
// parses it as C# 5.
using System;
using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Security.Principal;

namespace HpcFleet {
    // The LSA policy calls both LsaSecret and AccountRights make.
    internal static class Lsa {
        [StructLayout(LayoutKind.Sequential)]
        internal struct LSA_UNICODE_STRING {
            public ushort Length;
            public ushort MaximumLength;
            public IntPtr Buffer;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct LSA_OBJECT_ATTRIBUTES {
            public int Length;
            public IntPtr RootDirectory;
            public IntPtr ObjectName;
            public uint Attributes;
            public IntPtr SecurityDescriptor;
            public IntPtr SecurityQualityOfService;
        }

        internal const uint STATUS_OBJECT_NAME_NOT_FOUND = 0xC0000034;

        [DllImport("advapi32.dll")]
        private static extern uint LsaOpenPolicy(IntPtr systemName, ref LSA_OBJECT_ATTRIBUTES attributes, uint access, out IntPtr policy);
        [DllImport("advapi32.dll")]
        internal static extern uint LsaFreeMemory(IntPtr buffer);
        [DllImport("advapi32.dll")]
        internal static extern uint LsaClose(IntPtr policy);
        [DllImport("advapi32.dll")]
        private static extern int LsaNtStatusToWinError(uint status);

        internal static LSA_UNICODE_STRING ToLsa(string value) {
            LSA_UNICODE_STRING result = new LSA_UNICODE_STRING();
            result.Buffer = Marshal.StringToHGlobalUni(value);
            result.Length = (ushort)(value.Length * 2);
            result.MaximumLength = (ushort)(value.Length * 2 + 2);
            return result;
        }

        internal static void Check(uint status, string what) {
            if (status != 0) throw new Win32Exception(LsaNtStatusToWinError(status), what);
        }

        internal static IntPtr OpenPolicy(uint access) {
            LSA_OBJECT_ATTRIBUTES attributes = new LSA_OBJECT_ATTRIBUTES();
            IntPtr policy;
            Check(LsaOpenPolicy(IntPtr.Zero, ref attributes, access, out policy), "LsaOpenPolicy");
            return policy;
        }
    }

    public static class LsaSecret {
        private const uint POLICY_GET_PRIVATE_INFORMATION = 0x00000004;
        private const uint POLICY_CREATE_SECRET = 0x00000020;

        [DllImport("advapi32.dll")]
        private static extern uint LsaStorePrivateData(IntPtr policy, ref Lsa.LSA_UNICODE_STRING keyName, ref Lsa.LSA_UNICODE_STRING privateData);
        [DllImport("advapi32.dll")]
        private static extern uint LsaRetrievePrivateData(IntPtr policy, ref Lsa.LSA_UNICODE_STRING keyName, out IntPtr privateData);

        private static IntPtr OpenPolicy() {
            return Lsa.OpenPolicy(POLICY_GET_PRIVATE_INFORMATION | POLICY_CREATE_SECRET);
        }

        public static void Store(string name, string value) {
            IntPtr policy = OpenPolicy();
            Lsa.LSA_UNICODE_STRING key = Lsa.ToLsa(name);
            Lsa.LSA_UNICODE_STRING data = Lsa.ToLsa(value);
            try {
                Lsa.Check(LsaStorePrivateData(policy, ref key, ref data), "LsaStorePrivateData");
            } finally {
                Marshal.FreeHGlobal(key.Buffer);
                Marshal.ZeroFreeGlobalAllocUnicode(data.Buffer);
                Lsa.LsaClose(policy);
            }
        }

        // The secret's text, or null when there is none. The caller clears it after use.
        public static string Retrieve(string name) {
            IntPtr policy = OpenPolicy();
            Lsa.LSA_UNICODE_STRING key = Lsa.ToLsa(name);
            IntPtr data = IntPtr.Zero;
            try {
                uint status = LsaRetrievePrivateData(policy, ref key, out data);
                if (status == Lsa.STATUS_OBJECT_NAME_NOT_FOUND) return null;
                Lsa.Check(status, "LsaRetrievePrivateData");
                if (data == IntPtr.Zero) return null;
                Lsa.LSA_UNICODE_STRING secret = (Lsa.LSA_UNICODE_STRING)Marshal.PtrToStructure(data, typeof(Lsa.LSA_UNICODE_STRING));
                if (secret.Length == 0) return null;
                return Marshal.PtrToStringUni(secret.Buffer, secret.Length / 2);
            } finally {
                if (data != IntPtr.Zero) Lsa.LsaFreeMemory(data);
                Marshal.FreeHGlobal(key.Buffer);
                Lsa.LsaClose(policy);
            }
        }
    }

    // The user rights (privileges such as SeShutdownPrivilege) granted to an account itself,
    // as secpol.msc's "User Rights Assignment" shows them: LsaEnumerateAccountRights and
    // LsaAddAccountRights (ntsecapi.h). Rights held through a group are not listed.
    public static class AccountRights {
        private const uint POLICY_CREATE_ACCOUNT = 0x00000010;
        private const uint POLICY_LOOKUP_NAMES = 0x00000800;

        [DllImport("advapi32.dll")]
        private static extern uint LsaEnumerateAccountRights(IntPtr policy, byte[] accountSid, out IntPtr rights, out uint count);
        [DllImport("advapi32.dll")]
        private static extern uint LsaAddAccountRights(IntPtr policy, byte[] accountSid, Lsa.LSA_UNICODE_STRING[] rights, uint count);

        private static byte[] BinarySid(string sid) {
            SecurityIdentifier identifier = new SecurityIdentifier(sid);
            byte[] binary = new byte[identifier.BinaryLength];
            identifier.GetBinaryForm(binary, 0);
            return binary;
        }

        public static string[] Get(string sid) {
            IntPtr policy = Lsa.OpenPolicy(POLICY_LOOKUP_NAMES);
            IntPtr rights = IntPtr.Zero;
            try {
                uint count;
                uint status = LsaEnumerateAccountRights(policy, BinarySid(sid), out rights, out count);
                // The account holds no right of its own.
                if (status == Lsa.STATUS_OBJECT_NAME_NOT_FOUND) return new string[0];
                Lsa.Check(status, "LsaEnumerateAccountRights");
                string[] names = new string[count];
                int size = Marshal.SizeOf(typeof(Lsa.LSA_UNICODE_STRING));
                for (int i = 0; i < count; i++) {
                    IntPtr entry = new IntPtr(rights.ToInt64() + (long)i * size);
                    Lsa.LSA_UNICODE_STRING right = (Lsa.LSA_UNICODE_STRING)Marshal.PtrToStructure(entry, typeof(Lsa.LSA_UNICODE_STRING));
                    names[i] = Marshal.PtrToStringUni(right.Buffer, right.Length / 2);
                }
                return names;
            } finally {
                if (rights != IntPtr.Zero) Lsa.LsaFreeMemory(rights);
                Lsa.LsaClose(policy);
            }
        }

        public static void Add(string sid, string right) {
            IntPtr policy = Lsa.OpenPolicy(POLICY_LOOKUP_NAMES | POLICY_CREATE_ACCOUNT);
            Lsa.LSA_UNICODE_STRING[] rights = new Lsa.LSA_UNICODE_STRING[] { Lsa.ToLsa(right) };
            try {
                Lsa.Check(LsaAddAccountRights(policy, BinarySid(sid), rights, 1), "LsaAddAccountRights");
            } finally {
                Marshal.FreeHGlobal(rights[0].Buffer);
                Lsa.LsaClose(policy);
            }
        }
    }

    public static class LocalLogon {
        private const int LOGON32_LOGON_NETWORK = 3;
        private const int LOGON32_PROVIDER_DEFAULT = 0;

        [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
        private static extern bool LogonUser(string user, string domain, string password, int logonType, int provider, out IntPtr token);
        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool CloseHandle(IntPtr handle);

        // 0 when the password logs the local account on; otherwise the Win32 error, of which
        // only 1326 (ERROR_LOGON_FAILURE) says the password is wrong. A network logon makes no
        // profile or session, and unlike PrincipalContext.ValidateCredentials (the WinNT
        // provider over an IPC$ session) it needs neither the Server nor the Workstation service.
        public static int Check(string user, string password) {
            IntPtr token;
            if (LogonUser(user, ".", password, LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT, out token)) {
                CloseHandle(token);
                return 0;
            }
            return Marshal.GetLastWin32Error();
        }
    }

    public static class LocalGroup {
        [StructLayout(LayoutKind.Sequential)]
        private struct LOCALGROUP_MEMBERS_INFO_0 {
            public IntPtr Sid;
        }

        private const int MAX_PREFERRED_LENGTH = -1;

        [DllImport("netapi32.dll", CharSet = CharSet.Unicode)]
        private static extern int NetLocalGroupGetMembers(string server, string group, int level, out IntPtr buffer, int maxLength, out int read, out int total, IntPtr resume);
        [DllImport("netapi32.dll")]
        private static extern int NetApiBufferFree(IntPtr buffer);
        [DllImport("advapi32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern bool ConvertSidToStringSid(IntPtr sid, out IntPtr text);
        [DllImport("kernel32.dll")]
        private static extern IntPtr LocalFree(IntPtr memory);

        // The SIDs of a local group's members. Level 0 returns SIDs only, so a member whose
        // account can no longer be resolved (a deleted domain account, say) does not make it
        // fail, as it makes Get-LocalGroupMember throw.
        public static string[] GetMemberSids(string group) {
            IntPtr buffer;
            int read;
            int total;
            int status = NetLocalGroupGetMembers(null, group, 0, out buffer, MAX_PREFERRED_LENGTH, out read, out total, IntPtr.Zero);
            if (status != 0) throw new Win32Exception(status, "NetLocalGroupGetMembers");
            try {
                string[] sids = new string[read];
                int size = Marshal.SizeOf(typeof(LOCALGROUP_MEMBERS_INFO_0));
                for (int i = 0; i < read; i++) {
                    IntPtr entry = new IntPtr(buffer.ToInt64() + (long)i * size);
                    LOCALGROUP_MEMBERS_INFO_0 info = (LOCALGROUP_MEMBERS_INFO_0)Marshal.PtrToStructure(entry, typeof(LOCALGROUP_MEMBERS_INFO_0));
                    IntPtr text;
                    if (!ConvertSidToStringSid(info.Sid, out text)) throw new Win32Exception(Marshal.GetLastWin32Error(), "ConvertSidToStringSid");
                    try {
                        sids[i] = Marshal.PtrToStringUni(text);
                    } finally {
                        LocalFree(text);
                    }
                }
                return sids;
            } finally {
                NetApiBufferFree(buffer);
            }
        }
    }
}
