/**
 * UI pages as a member sees them, with the dark-watermark overlay tile composited on top the way a
 * client does it: a fixed layer over the whole viewport, the 256 px tile repeated from its top left
 * corner and sized in CSS px, so the browser resamples it to the display scale. zh-CN text, light or
 * dark theme. Rendered and screenshotted in headless Chromium by the scales bench and its test.
 */
export type Theme = 'light' | 'dark';
export type OverlayPageKind = 'members' | 'document' | 'chat';

const COLOURS: Record<Theme, { page: string; panel: string; text: string; muted: string; accent: string; line: string }> = {
  light: { page: '#f5f6f8', panel: '#ffffff', text: '#1f2329', muted: '#646a73', accent: '#2b5fd9', line: '#dee0e3' },
  dark: { page: '#17181a', panel: '#232427', text: '#e8e9eb', muted: '#a3a6ab', accent: '#4c7cf0', line: '#373a3f' },
};

const NAMES = ['李雷', '韩梅梅', '王芳', '张伟', '刘洋', '陈静', '杨帆', '赵磊', '黄丽', '周杰', '吴敏', '郑浩'];
const DEPARTMENTS = ['研发中心', '财务部', '市场部', '法务部', '人力资源部', '销售一部'];

const bodyOf = (kind: OverlayPageKind): string => {
  if (kind === 'members') {
    const rows = Array.from({ length: 14 }, (_, i) => `<tr><td>${NAMES[i % NAMES.length]}</td><td>${DEPARTMENTS[i % DEPARTMENTS.length]}</td><td>${i % 3 ? '已分配' : '待审批'}</td><td>2026-11-${String(1 + ((i * 7) % 28)).padStart(2, '0')}</td><td>¥${(1280 + i * 317).toLocaleString('en')}</td></tr>`).join('');
    return `<h1>席位管理</h1><p class="muted">共 ${NAMES.length * 40} 个席位，本月新增 37 个。离职成员的席位将在交接完成后回收。</p><table><thead><tr><th>成员</th><th>部门</th><th>状态</th><th>分配日期</th><th>月费</th></tr></thead><tbody>${rows}</tbody></table>`;
  }
  if (kind === 'document') {
    const paragraphs = Array.from({ length: 9 }, (_, i) => `<p>${i + 1}. 安全加固套件第 ${i + 3} 版的发布计划与定价属于公司机密，仅限项目组成员查阅。未经授权不得截图、拍照或转发，违者将依据《信息安全管理制度》追究责任。</p>`).join('');
    return `<h1>产品路线图（机密）</h1>${paragraphs}`;
  }
  const messages = Array.from({ length: 10 }, (_, i) => `<div class="bubble ${i % 2 ? 'mine' : ''}"><b>${NAMES[(i * 5) % NAMES.length]}</b><br/>第四季度的数据已经上传到共享盘，请查看第 ${i + 7} 张表，周五之前确认。</div>`).join('');
  return `<h1>项目频道</h1>${messages}`;
};

/** The page's HTML; `tilePng` is the overlay tile (PNG, RGBA) the overlay endpoint answers. */
export const overlayPage = (kind: OverlayPageKind, theme: Theme, tilePng: Uint8Array): string => {
  const c = COLOURS[theme];
  const tile = `data:image/png;base64,${Buffer.from(tilePng).toString('base64')}`;
  const nav = ['工作台', '席位', '离职交接', '发票', '策略', '设备', '泄露追踪'].map((item, i) => `<li class="${i === 1 ? 'active' : ''}">${item}</li>`).join('');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"/><style>
    * { box-sizing: border-box; }
    body { margin: 0; font-family: 'Noto Sans CJK SC', 'Noto Serif CJK SC', sans-serif; font-size: 15px; background: ${c.page}; color: ${c.text}; }
    header { height: 56px; background: ${c.accent}; color: #fff; display: flex; align-items: center; padding: 0 24px; font-size: 18px; }
    nav { position: absolute; top: 56px; left: 0; bottom: 0; width: 200px; background: ${c.panel}; border-right: 1px solid ${c.line}; }
    nav ul { list-style: none; margin: 0; padding: 12px 0; } nav li { padding: 10px 24px; color: ${c.muted}; } nav li.active { color: ${c.accent}; background: ${c.page}; }
    main { margin-left: 200px; padding: 24px 32px; }
    h1 { font-size: 22px; margin: 0 0 12px; } .muted { color: ${c.muted}; } p { line-height: 1.7; margin: 0 0 10px; }
    table { width: 100%; border-collapse: collapse; background: ${c.panel}; } th, td { text-align: left; padding: 8px 12px; border-bottom: 1px solid ${c.line}; } th { color: ${c.muted}; font-weight: normal; }
    .bubble { max-width: 520px; margin: 0 0 12px; padding: 10px 14px; border-radius: 10px; background: ${c.panel}; } .bubble.mine { margin-left: auto; background: ${theme === 'light' ? '#d6e4ff' : '#1d3a7a'}; }
    #overlay { position: fixed; inset: 0; pointer-events: none; z-index: 2147483647; background-image: url(${tile}); background-repeat: repeat; background-size: 256px 256px; }
  </style></head><body><header>Steward 管理控制台</header><nav><ul>${nav}</ul></nav><main>${bodyOf(kind)}</main><div id="overlay"></div></body></html>`;
};
