/* GCC 13's libstdc++ (GLIBCXX_3.4.32) defines std::ios_base_library_init(), an empty function whose only job
   is to make objects using <iostream> depend on that libstdc++. TorchSharp's libLibTorchSharp.so calls it;
   older libstdc++ (Debian 12: 3.4.30) lacks it. Defining it here, loaded globally before TorchSharp, lets the
   library resolve the call; the streams themselves are initialised by the system libstdc++ as before. */
void _ZSt21ios_base_library_initv(void) {}
