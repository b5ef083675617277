import { useSoftwareWebGpuIfInstalled } from './software-webgpu.js';

useSoftwareWebGpuIfInstalled();
